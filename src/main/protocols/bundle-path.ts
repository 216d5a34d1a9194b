// The app:// path check lives with the host code because the web server serves the same bundle.
export { contentTypeOf, resolveBundleFile } from '../../host/bundle-files';
