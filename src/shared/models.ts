/** A model's name, which is also its folder name in the library: safe on every file system. */
export const MODEL_NAME_PATTERN = /^[\w][\w .()-]{0,63}$/;

export const MODEL_NAME_RULE = 'letters, digits, spaces, dots, dashes and underscores (up to 64), starting with a letter or digit';
