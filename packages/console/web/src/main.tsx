// The console page: one Preact tree fed by the server's Server-Sent Events (GET /events).
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';

render(<App />, document.getElementById('app')!);
