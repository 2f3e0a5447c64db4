import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// Placeholder until the agent inbox lands: tells agents where things are.
function App() {
  return (
    <main style={{ font: '16px/1.5 system-ui, sans-serif', maxWidth: '40rem', margin: '2rem auto' }}>
      <h1>Intake</h1>
      <p>The agent inbox is coming. Customers can already write to you at <a href="/support">/support</a>.</p>
      <p>
        API documentation: <a href="/api/docs">/api/docs</a>
      </p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
