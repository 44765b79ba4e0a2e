// ECharts, imported piece by piece so the bundle holds only what the pages draw.
import { BarChart, CustomChart, LineChart, PieChart, SankeyChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  PieChart,
  SankeyChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

const live = new Set<echarts.ECharts>();

// Draws `option` in a new container of `height` px; charts resize with the window.
export function chart(option: echarts.EChartsCoreOption, height = 320, label = 'Chart'): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  box.style.height = `${height}px`;
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  requestAnimationFrame(() => {
    const instance = echarts.init(box, undefined, { renderer: 'canvas' });
    instance.setOption({ animation: false, ...option });
    live.add(instance);
  });
  return box;
}

// Charts of the page being left are disposed of.
export function disposeCharts(): void {
  for (const instance of live) instance.dispose();
  live.clear();
}

window.addEventListener('resize', () => {
  for (const instance of live) instance.resize();
});

export { echarts };
