import { useLab } from '../store';

/** The permalink made last, selectable, with whether it reached the clipboard; shown beside the button that made it. */
export function ShareLinkBox({ where }: { where: 'results' | 'history' }) {
  const link = useLab((s) => s.shareLink);
  if (!link || link.where !== where) return null;
  return (
    <div className="share">
      <label>
        {link.copied
          ? `Link to the ${link.preset} result (copied to the clipboard). Anyone who opens it sees this result; nothing is uploaded.`
          : `Link to the ${link.preset} result (the clipboard is not available here: copy it from this box).`}
        <input type="text" readOnly value={link.url} onFocus={(e) => e.target.select()} data-testid="share-link" />
      </label>
    </div>
  );
}
