import type { Store } from '../store';
import type { SimilarIdea } from '../workflows/state';

/**
 * Finding ideas that say the same thing, locally: each idea's title and description become
 * character trigrams of their words (stop words dropped, the title counted twice), weighted by
 * TF-IDF over the open ideas compared, and two ideas are as alike as the cosine of their weights.
 * Trigrams match "loaves" with "loaf" and "discounted" with "discount"; IDF keeps words every
 * idea of a bakery uses ("bread") from making every idea alike.
 */

/** At or above this score an open idea is listed as similar. */
export const SIMILARITY_THRESHOLD = 0.25;
/** At most this many similar ideas are listed, most alike first. */
export const SIMILAR_LISTED = 5;
/** The most recently submitted open ideas compared with a new one. */
export const OPEN_IDEAS_COMPARED = 2_000;

const STOP_WORDS = new Set(
  ('a an and are as at be but by for from has have in into is it its of on or our so than that the their them then there these they this to too was we were what when which who why will with would you your ' +
    'idea ideas could should can more less very just also get make use new')
    .split(' '),
);

export interface IdeaText {
  ideaId: string;
  title: string;
  description: string;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word));
}

/** The trigram counts of an idea's words, its title counted twice. */
export function trigrams(idea: Pick<IdeaText, 'title' | 'description'>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const word of words(text)) {
      const padded = ` ${word} `;
      for (let at = 0; at + 3 <= padded.length; at++) {
        const gram = padded.slice(at, at + 3);
        counts.set(gram, (counts.get(gram) ?? 0) + weight);
      }
    }
  };
  add(idea.title, 2);
  add(idea.description, 1);
  return counts;
}

/** How alike `idea` is to each of `others`, 0–1, most alike first; only those at or above the threshold, at most `SIMILAR_LISTED`. */
export function similarIdeas(idea: IdeaText, others: readonly IdeaText[]): SimilarIdea[] {
  const titles = new Map(others.map((other) => [other.ideaId, other.title]));
  return alike(trigrams(idea), others.map((other) => ({ ideaId: other.ideaId, grams: trigrams(other) })))
    .slice(0, SIMILAR_LISTED)
    .map(({ ideaId, score }) => ({ ideaId, title: titles.get(ideaId)!, score }));
}

interface Grams {
  ideaId: string;
  grams: Map<string, number>;
}

/** The TF-IDF cosine of `mine` with each of `theirs` over the corpus of them all: those at or above the threshold, most alike first. */
function alike(mine: Map<string, number>, theirs: readonly Grams[]): { ideaId: string; score: number }[] {
  const documents = new Map<string, number>();
  for (const grams of [mine, ...theirs.map((other) => other.grams)]) for (const gram of grams.keys()) documents.set(gram, (documents.get(gram) ?? 0) + 1);
  // Each gram's weight once, not once per idea that has it: a submission compares itself with up to OPEN_IDEAS_COMPARED ideas.
  const idf = new Map<string, number>();
  for (const [gram, count] of documents) idf.set(gram, Math.log((2 + theirs.length) / (1 + count)) + 1);
  const norm = (grams: Map<string, number>) => {
    let sum = 0;
    for (const [gram, count] of grams) {
      const weight = count * idf.get(gram)!;
      sum += weight * weight;
    }
    return Math.sqrt(sum);
  };
  const myNorm = norm(mine);
  return theirs
    .flatMap(({ ideaId, grams }) => {
      let dot = 0;
      for (const [gram, count] of mine) {
        const theirCount = grams.get(gram);
        if (theirCount !== undefined) dot += count * idf.get(gram)! * (theirCount * idf.get(gram)!);
      }
      // No gram in common scores 0, below any threshold: its norm is not needed.
      if (dot === 0) return [];
      const theirNorm = norm(grams);
      const score = myNorm === 0 || theirNorm === 0 ? 0 : dot / (myNorm * theirNorm);
      return [{ ideaId, score: Math.round(score * 100) / 100 }];
    })
    .filter((similar) => similar.score >= SIMILARITY_THRESHOLD)
    .sort((a, b) => b.score - a.score || a.ideaId.localeCompare(b.ideaId));
}

/**
 * Each open idea's trigrams, per events store, by idea: an idea's text does not change once
 * submitted, so a worker reads and splits it once, not at every later submission (each of which
 * compares itself with up to OPEN_IDEAS_COMPARED ideas). No text is kept: the few ideas found
 * alike are read again for their titles, so an idea forgotten meanwhile is not listed.
 */
const gramsOf = new WeakMap<Store, Map<string, Map<string, number>>>();

function ideaText(event: { ideaId: string; detail: unknown }): IdeaText | undefined {
  const { title, description } = event.detail as { title?: unknown; description?: unknown };
  if (typeof title !== 'string') return undefined;
  return { ideaId: event.ideaId, title, description: typeof description === 'string' ? description : '' };
}

/**
 * The open ideas (submitted, not ended) most like this one, from the events store: their titles
 * and descriptions are read from their `submitted` events, opened under each idea's data key where
 * the store is sealed. Ideas submitted before descriptions were recorded are compared by title,
 * forgotten ones (whose events cannot be opened) not at all.
 */
export async function findSimilarOpenIdeas(store: Store, idea: IdeaText): Promise<SimilarIdea[]> {
  const rows = await store.select(`SELECT idea_id FROM journeys WHERE ended IS NULL AND submitted_at IS NOT NULL AND idea_id <> ? ORDER BY submitted_at DESC LIMIT ${OPEN_IDEAS_COMPARED}`, [idea.ideaId]);
  const ideaIds = rows.map((row) => String(row.idea_id));
  if (ideaIds.length === 0) return [];
  let kept = gramsOf.get(store);
  if (!kept) gramsOf.set(store, (kept = new Map()));
  const unread = ideaIds.filter((ideaId) => !kept.has(ideaId));
  if (unread.length) {
    for (const event of await store.events({ types: ['submitted'], ideaIds: unread })) {
      const text = !kept.has(event.ideaId) && ideaText(event);
      if (text) kept.set(event.ideaId, trigrams(text));
    }
  }
  // Ideas that ended are let go once there are as many again as are compared.
  if (kept.size > 2 * OPEN_IDEAS_COMPARED) {
    const open = new Set(ideaIds);
    for (const ideaId of kept.keys()) if (!open.has(ideaId)) kept.delete(ideaId);
  }
  const found = alike(trigrams(idea), ideaIds.flatMap((ideaId) => (kept.has(ideaId) ? [{ ideaId, grams: kept.get(ideaId)! }] : [])));
  if (found.length === 0) return [];
  // Titles of the most alike, read now: one whose events no longer open (forgotten) is left out.
  const candidates = found.slice(0, 2 * SIMILAR_LISTED);
  const titles = new Map<string, string>();
  for (const event of await store.events({ types: ['submitted'], ideaIds: candidates.map((candidate) => candidate.ideaId) })) {
    const text = ideaText(event);
    if (text && !titles.has(event.ideaId)) titles.set(event.ideaId, text.title);
  }
  return candidates
    .flatMap(({ ideaId, score }) => (titles.has(ideaId) ? [{ ideaId, title: titles.get(ideaId)!, score }] : []))
    .slice(0, SIMILAR_LISTED);
}
