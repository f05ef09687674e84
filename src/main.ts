import { mount } from 'svelte';
import App from './App.svelte';
import { registerServiceWorker } from './sw/register';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// The built site only: the dev server sends COOP/COEP itself, and a worker serving cached files
// would hide edits there.
if (import.meta.env.PROD) registerServiceWorker();
export default mount(App, { target });
