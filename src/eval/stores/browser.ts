/** The page's stores: checkpoints of unfinished cells and the KL-divergence reference, each in its own IndexedDB database. */
import { checkpointStore, type CheckpointStore } from '../checkpoint';
import { KldReferenceStore } from '../kldReference';
import { indexedDbStore } from './idb';

export const CHECKPOINT_DB = 'quantlab-checkpoints';
export const KLD_REFERENCE_DB = 'quantlab-kld-reference';

export function browserEvalStores(): { checkpoints: CheckpointStore; references: KldReferenceStore } {
  return { checkpoints: checkpointStore(indexedDbStore(CHECKPOINT_DB)), references: new KldReferenceStore(indexedDbStore(KLD_REFERENCE_DB)) };
}
