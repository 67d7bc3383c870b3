import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * The last line of defence against a blank page: a rendering error replaces
 * the part of the page that failed with a message and a way out. Results are
 * already in IndexedDB by then, so a reload loses nothing.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; where: string }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`QuantLab: the ${this.props.where} failed to render`, error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="problem" role="alert" data-testid="render-error">
        <p className="problem-title">Part of the page ({this.props.where}) stopped working</p>
        <p className="problem-message">{this.state.error.message}</p>
        <p className="problem-advice">Your finished results are saved in this browser. Reloading the page brings everything back.</p>
        <div className="actions">
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button type="button" onClick={() => location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    );
  }
}
