import { LINK_SHARE_LIMIT } from '../../results/link';
import { count } from '../format';
import { downloadBundle } from '../resultsActions';
import { useLab } from '../store';

/**
 * The share link made last, selectable, with whether it reached the clipboard; past
 * LINK_SHARE_LIMIT characters, the offer of the same results as a file to send instead.
 */
export function ShareLinkBox({ where }: { where: 'results' | 'history' }) {
  const offer = useLab((s) => s.results.share);
  if (!offer || offer.where !== where) return null;
  const what = `${count(offer.records.length)} result${offer.records.length === 1 ? '' : 's'}`;
  if (!offer.fits) {
    return (
      <div className="share" role="status" data-testid="share-too-long">
        <p>
          A link to {what} would be {count(offer.length)} characters long, more than most chats take ({count(LINK_SHARE_LIMIT)}). Send them as a file
          instead: whoever gets it opens it in QuantLab with "Open a results file" under History.
        </p>
        <button type="button" onClick={() => downloadBundle(offer.records)}>
          Download the results as a file (JSON)
        </button>
        <label>
          The link anyway ({count(offer.length)} characters; browsers open it)
          <input type="text" readOnly value={offer.url} onFocus={(e) => e.target.select()} data-testid="share-link" />
        </label>
      </div>
    );
  }
  return (
    <div className="share" role="status">
      <label>
        {offer.copied
          ? `Link to ${what}, ${count(offer.length)} characters (copied to the clipboard). Anyone who opens it sees these results; nothing is uploaded.`
          : `Link to ${what}, ${count(offer.length)} characters (the clipboard is not available here: copy it from this box).`}
        <input type="text" readOnly value={offer.url} onFocus={(e) => e.target.select()} data-testid="share-link" />
      </label>
    </div>
  );
}
