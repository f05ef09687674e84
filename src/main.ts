import { mount } from 'svelte';
import { registerServiceWorker } from './sw/register';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// The built site only: the dev server sends COOP/COEP itself, and a worker serving cached files
// would hide edits there.
if (import.meta.env.PROD) registerServiceWorker();
// The app's modules are evaluated in one task and mounted in the next: together they made the
// landing page's longest task (bench:ingest).
void import('./App.svelte').then(({ default: App }) => setTimeout(() => mount(App, { target })));
