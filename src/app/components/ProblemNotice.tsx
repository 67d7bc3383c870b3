import type { Problem } from '../store';

/** A failure, as an alert: the headline, the engine's own message, and what to do where there is something to do. */
export function ProblemNotice({ problem, testId }: { problem: Problem; testId?: string }) {
  return (
    <div className="problem" role="alert" data-testid={testId}>
      <p className="problem-title">{problem.title}</p>
      <p className="problem-message">{problem.message}</p>
      {problem.advice && <p className="problem-advice">{problem.advice}</p>}
    </div>
  );
}
