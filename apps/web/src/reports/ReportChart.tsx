import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface Series {
  label: string;
  values: Array<number | null>;
}

const COLOURS = ['#1d4ed8', '#15803d', '#b45309', '#7c3aed', '#be123c', '#0f766e'];

/**
 * One chart drawn by Chart.js from the figures the table below it shows. The canvas carries the
 * same numbers in data-series (read by the browser test, and by anyone inspecting the page).
 */
export function ReportChart(props: { type: 'bar' | 'line'; labels: string[]; series: Series[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: props.type,
      data: {
        labels: props.labels,
        datasets: props.series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.destroy();
  }, [props.type, props.labels, props.series]);
  return (
    <div className="chart-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${props.title}: chart; the same figures are in the table below`}
        data-series={JSON.stringify(props.series)}
        data-labels={JSON.stringify(props.labels)}
      />
    </div>
  );
}
