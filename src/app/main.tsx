import '../util/zodJitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { useLab } from './store';
import './styles.css';

// Errors outside rendering (a failed promise in a click handler) would otherwise only reach the console.
addEventListener('unhandledrejection', (e) => {
  const message = e.reason instanceof Error ? e.reason.message : String(e.reason);
  useLab.setState({ notice: `Something went wrong: ${message}` });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary where="page">
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
