import { LabIcon } from '@jupyterlab/ui-components';

// `jp-icon3` lets the active theme recolour the glyph.
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.24 6.76 3.38L12 11 5.24 7.62 12 4.24zM5 9.26l6 3v7.48l-6-3V9.26zm8 10.48v-7.48l6-3v7.48l-6 3z"/>
  </g>
</svg>`;

export const mlopsIcon = new LabIcon({
  name: 'jupyter-mlops:icon',
  svgstr
});
