export interface LineSeries {
  label: string;
  x: number[];
  y: number[];
  /** A CSS custom property holding the colour (themes change it). */
  color: string;
  axis?: 'y' | 'y2';
}
