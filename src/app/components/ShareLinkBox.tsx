import { useLab } from '../store';

/** The permalink made last, selectable, with whether it reached the clipboard. */
export function ShareLinkBox() {
  const link = useLab((s) => s.shareLink);
  if (!link) return null;
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
