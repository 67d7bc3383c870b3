/**
 * A chart as a file: its SVG with the title above and the legend below drawn into it (recharts
 * draws its legend as HTML beside the SVG), on white; as SVG, or as a PNG at twice the size.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TITLE_HEIGHT = 28;
const LEGEND_LINE = 20;

export interface LegendEntry {
  label: string;
  colour: string;
}

function text(x: number, y: number, content: string, size: number, weight = 'normal'): SVGTextElement {
  const t = document.createElementNS(SVG_NS, 'text');
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y));
  t.setAttribute('font-size', String(size));
  t.setAttribute('font-weight', weight);
  t.setAttribute('font-family', FONT);
  t.setAttribute('fill', '#1c2733');
  t.textContent = content;
  return t;
}

/** The standalone SVG document of the chart inside `figure`. */
export function chartSvg(figure: HTMLElement, title: string, legend: readonly LegendEntry[]): { svg: string; width: number; height: number } {
  const surface = figure.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface');
  if (!surface) throw new Error('the chart has not been drawn yet');
  const box = surface.getBoundingClientRect();
  const width = Math.ceil(box.width);
  const chartHeight = Math.ceil(box.height);
  const height = TITLE_HEIGHT + chartHeight + legend.length * LEGEND_LINE + 8;
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  out.setAttribute('font-family', FONT);
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', '#ffffff');
  out.append(background, text(8, 19, title, 14, 'bold'));
  const chart = surface.cloneNode(true) as SVGSVGElement;
  chart.setAttribute('x', '0');
  chart.setAttribute('y', String(TITLE_HEIGHT));
  chart.setAttribute('width', String(width));
  chart.setAttribute('height', String(chartHeight));
  out.append(chart);
  legend.forEach((entry, i) => {
    const y = TITLE_HEIGHT + chartHeight + i * LEGEND_LINE + 4;
    const swatch = document.createElementNS(SVG_NS, 'rect');
    swatch.setAttribute('x', '12');
    swatch.setAttribute('y', String(y));
    swatch.setAttribute('width', '12');
    swatch.setAttribute('height', '12');
    swatch.setAttribute('fill', entry.colour);
    out.append(swatch, text(30, y + 11, entry.label, 12));
  });
  return { svg: new XMLSerializer().serializeToString(out), width, height };
}

export function svgBlob(svg: string): Blob {
  return new Blob([`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`], { type: 'image/svg+xml' });
}

/** The SVG drawn onto a canvas at `scale` times its size. */
export async function pngBlob(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(svgBlob(svg));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * scale;
    canvas.height = height * scale;
    const g = canvas.getContext('2d');
    if (!g) throw new Error('this browser gives no 2D canvas');
    g.scale(scale, scale);
    g.drawImage(image, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
