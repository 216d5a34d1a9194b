export { describeKind } from '../models/kind-info'; // moved; kept only until the service imports it from there
