/** QuantLab's version, written into every result record; test/results checks it against package.json. */
export const QUANTLAB_VERSION = '0.2.0';
