import type { Chart } from './scenario';

const PALETTE = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#d53f8c', '#718096'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function format(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A plain horizontal bar chart as a self-contained SVG (no external service, no script). */
export function barChart(chart: Chart): string {
  const labelWidth = 300;
  const plotWidth = 380;
  const valueWidth = 110;
  const barHeight = 20;
  const gap = 8;
  const top = 44;
  const width = labelWidth + plotWidth + valueWidth;
  const height = top + chart.bars.length * (barHeight + gap) + 24;
  const finite = chart.bars.map((b) => b.value).filter((v) => Number.isFinite(v) && v > 0);
  const max = Math.max(...finite, 1e-9);
  const min = Math.min(...finite, max);
  const scale = (value: number): number => {
    if (!Number.isFinite(value) || value <= 0) return 0;
    if (!chart.log) return (value / max) * plotWidth;
    const lo = Math.log10(Math.min(min, max / 10)) - 0.1;
    return ((Math.log10(value) - lo) / (Math.log10(max) - lo)) * plotWidth;
  };
  const groups = [...new Set(chart.bars.map((b) => b.group ?? ''))];
  const colour = (group?: string) => PALETTE[groups.indexOf(group ?? '') % PALETTE.length];

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
    `<text x="10" y="36" fill="#555">${escape(chart.unit)}${chart.log ? ' (log scale)' : ''}; ${escape(chart.note ?? 'median of the runs')}</text>`,
  ];
  chart.bars.forEach((bar, i) => {
    const y = top + i * (barHeight + gap);
    const w = Math.max(scale(bar.value), 1);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colour(bar.group)}"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 14}">${format(bar.value)}</text>`,
    );
  });
  if (groups.length > 1) {
    let x = labelWidth;
    const y = height - 10;
    for (const group of groups) {
      parts.push(
        `<rect x="${x}" y="${y - 10}" width="10" height="10" fill="${colour(group)}"/>`,
        `<text x="${x + 14}" y="${y}">${escape(group || '-')}</text>`,
      );
      x += 24 + group.length * 7;
    }
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
