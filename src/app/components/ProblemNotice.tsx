import type { Problem } from '../store';
import { Untrusted } from './Untrusted';

/**
 * A failure, as an alert: the headline, the engine's own message, and what to do where there is
 * something to do. The message can quote a model's or a file's name, so it is isolated as untrusted text.
 */
export function ProblemNotice({ problem, testId }: { problem: Problem; testId?: string }) {
  return (
    <div className="problem" role="alert" data-testid={testId}>
      <p className="problem-title">{problem.title}</p>
      <p className="problem-message">
        <Untrusted text={problem.message} />
      </p>
      {problem.advice && <p className="problem-advice">{problem.advice}</p>}
    </div>
  );
}
