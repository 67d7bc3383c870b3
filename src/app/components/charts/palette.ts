/**
 * Okabe and Ito's colour-blind-safe palette (blue, orange, bluish green, reddish purple, sky blue,
 * vermillion, black), yellow left out: it is too pale on white. Series differ by marker shape too,
 * so the charts read in grey as well.
 */
export const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'];

export type Shape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'star' | 'wye';
export const SHAPES: Shape[] = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'wye'];

export const colour = (i: number) => COLOURS[i % COLOURS.length];
export const shape = (i: number) => SHAPES[i % SHAPES.length];

/** The chart's layout: room below and left for axis titles. */
export const MARGIN = { top: 16, right: 24, bottom: 36, left: 16 };
export const HEIGHT = 320;
