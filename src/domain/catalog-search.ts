import MiniSearch, { type SearchResult } from "minisearch";
import synonyms from "../../data/catalog-synonyms.json" with { type: "json" };
import type { CatalogIntegration } from "./entities.js";

/** One search hit: an integration and the actions that matched the words. */
export interface CatalogHit {
  name: string;
  displayName: string;
  builtIn: boolean;
  score: number;
  matchedActions: string[];
}

/** One ranked integration name, for did-you-mean and completion lists. */
export interface RankedName {
  name: string;
  displayName: string;
  score: number;
}

/** The curated words of data/catalog-synonyms.json. */
export interface CatalogSynonyms {
  /** Integration name → other names people call that product by. */
  aliases: Record<string, string[]>;
  /** A task or kind of tool, and well-known integrations doing it (most used first). */
  topics: Array<{ terms: string[]; integrations: string[] }>;
}

/** The synonyms table shipped in data/, exported so a test can check its names. */
export const CATALOG_SYNONYMS: CatalogSynonyms = synonyms;

// Words that carry no meaning in a request ("send a message to my team"); dropping them
// keeps BM25 from rewarding integrations for matching "to" or "my" in action names.
const STOP_WORDS = new Set(
  (
    "a an the to on in at for of my our your me i we us from with and or into via using use " +
    "want need how do does can some please by it its this that be is are as any all " +
    "something thing someone somebody s app tool integration com www"
  ).split(" "),
);

/**
 * Splits on any non-alphanumeric run, and camelCase unless `keepCase` is set:
 * "sendMessage_v2" → send, message, v2. Brand names keep their case ("SendGrid" is one
 * word, not "send" + "grid", or every "send …" request would find it).
 */
function words(text: string, keepCase = false): string[] {
  return (keepCase ? text : text.replace(/([a-z0-9])([A-Z])/g, "$1 $2"))
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

// A light plural fold so "messages", "rows" and "tickets" meet "message", "row", "ticket";
// short words (sms, aws, ads) and -ss/-us/-is endings are left alone.
function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) {
    return word.slice(0, -1);
  }
  return word;
}

/** The words of a text as the index stores them (stop words out, plurals folded). */
function terms(text: string, keepCase = false): string[] {
  const out: string[] = [];
  for (const w of words(text, keepCase)) if (!STOP_WORDS.has(w)) out.push(stem(w));
  return out;
}

// Phrases ("video call", "pull request") are also kept as one term, "_video_call", so a
// request containing the whole phrase outranks one sharing only its common words. The
// underscore cannot come out of `words`, which marks these terms as exact-only; leading
// with it keeps the prefix search for "video" from reaching every "video …" phrase.
const PHRASE_JOIN = "_";
const PHRASE_BOOST = 2;

function joinPhrase(words: string[]): string {
  return `${PHRASE_JOIN}${words.join(PHRASE_JOIN)}`;
}

/** Curated phrases (["video call", "meeting"]) → their words plus each joined phrase. */
function phraseTerms(phrases: readonly string[]): string[] {
  // Each word once: a topic listing "email api", "email delivery" is not more about email
  // than one listing "email".
  const out = new Set<string>();
  for (const phrase of phrases) {
    const t = terms(phrase);
    for (const w of t) out.add(w);
    if (t.length > 1) out.add(joinPhrase(t));
  }
  return [...out];
}

/**
 * Other names of a product stand for it only as a whole: "pull request" is github, but
 * "request" alone is not. Multi-word names index as the phrase and as one word
 * ("_pull_request", "pullrequest"); single words as themselves.
 */
function aliasTerms(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const t = terms(name);
    if (t.length === 1 && t[0]) out.add(t[0]);
    else if (t.length > 1) {
      out.add(joinPhrase(t));
      out.add(t.join(""));
    }
  }
  return [...out];
}

/**
 * A query → its words, each adjacent pair as a phrase (to meet the curated phrases) and,
 * where the catalog knows it, as one word: "mongo db" also asks for "mongodb".
 */
function queryTerms(text: string, known: (term: string) => boolean): string[] {
  // Typed brand names stay whole: "HubSpot" is hubspot, not "hub" + "spot".
  const t = terms(text, true);
  const out = [...t];
  for (let i = 1; i < t.length; i++) {
    const pair = t.slice(i - 1, i + 1);
    out.push(joinPhrase(pair));
    const joined = pair.join("");
    if (known(joined)) out.push(joined);
  }
  return out;
}

/**
 * The words naming an integration, each once, plus the joined forms so "googlesheets" or
 * "hubspot" find google-sheets / "HubSpot" (a name's weight must not grow with repetition).
 */
function titleTerms(name: string, displayName: string): string[] {
  const joined = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  return [
    ...new Set([...terms(name), ...terms(displayName, true), joined(name), joined(displayName)]),
  ];
}

/** One integration as indexed: each field already split into index terms. */
interface IndexedDoc {
  id: number;
  title: string[];
  aliases: string[];
  topics: string[];
  actions: string[];
  inputs: string[];
}

// Field weights: what the integration is called counts most, then the curated names and
// tasks, then what its actions do; input names only break ties between similar tools.
const BOOST = { title: 6, aliases: 5, topics: 2.5, actions: 1, inputs: 0.25 };

/** A built index over one catalog array, with per-integration facts for scoring. */
interface CatalogIndex {
  search: MiniSearch<IndexedDoc>;
  /** Every indexed term: a query word found here is taken as typed, not as a typo. */
  vocabulary: Set<string>;
  integrations: readonly CatalogIntegration[];
  /** Per integration: a small prior from how much it does and whether it is a curated topic member. */
  prior: Float64Array;
  /** Per integration: each action's name and its index terms. */
  actionTerms: Array<Array<[string, Set<string>]>>;
}

function buildIndex(catalog: readonly CatalogIntegration[]): CatalogIndex {
  const aliases = new Map<string, string[]>(Object.entries(CATALOG_SYNONYMS.aliases));
  const topics = new Map<string, string[]>();
  const rank = new Map<string, number>();
  for (const topic of CATALOG_SYNONYMS.topics) {
    topic.integrations.forEach((name, i) => {
      const list = topics.get(name) ?? [];
      list.push(...topic.terms);
      topics.set(name, list);
      // Best (lowest) position across topics: the curators' "most widely used first".
      rank.set(name, Math.min(rank.get(name) ?? i, i));
    });
  }
  const vocabulary = new Set<string>();
  const search = new MiniSearch<IndexedDoc>({
    fields: ["title", "aliases", "topics", "actions", "inputs"],
    // Documents arrive as term lists (built below, where the words are needed anyway), so
    // indexing only splits them again; queries are split by run().
    stringifyField: (value) => (value as string[]).join(" "),
    tokenize: (text) => text.split(" "),
    processTerm: (term) => term || null,
  });
  const prior = new Float64Array(catalog.length);
  const actionTerms: CatalogIndex["actionTerms"] = [];
  const docs: IndexedDoc[] = catalog.map((integration, id) => {
    const { name, displayName, actions } = integration;
    const inputs = new Set<string>();
    const perAction: Array<[string, Set<string>]> = [];
    const actionWords: string[] = [];
    for (const action of actions) {
      // Name and display name usually say the same words; count each word once per action.
      const words = new Set(terms(`${action.name} ${action.displayName}`));
      perAction.push([action.name, words]);
      actionWords.push(...words);
      for (const input of Object.keys(action.props ?? {})) inputs.add(input);
    }
    actionTerms.push(perAction);
    // Richer integrations are, on the whole, the ones people mean; curated topic members are
    // well known. Both stay small next to text relevance (at most about +30 %).
    const curated = rank.get(name);
    prior[id] =
      1 +
      0.03 * Math.log2(1 + actions.length) +
      (curated === undefined ? 0 : 0.08 / (1 + curated / 3));
    const doc: IndexedDoc = {
      id,
      title: titleTerms(name, displayName),
      aliases: aliasTerms(aliases.get(name) ?? []),
      topics: phraseTerms(topics.get(name) ?? []),
      actions: actionWords,
      inputs: terms([...inputs].join(" ")),
    };
    for (const field of [doc.title, doc.aliases, doc.topics, doc.actions, doc.inputs]) {
      for (const t of field) vocabulary.add(t);
    }
    return doc;
  });
  search.addAll(docs);
  return { search, vocabulary, integrations: catalog, prior, actionTerms };
}

// Built on first search of a given catalog array and kept as long as that array lives, so
// neither server start nor repeated searches pay for indexing.
const indexes = new WeakMap<readonly CatalogIntegration[], CatalogIndex>();

function indexFor(catalog: readonly CatalogIntegration[]): CatalogIndex {
  let index = indexes.get(catalog);
  if (!index) {
    index = buildIndex(catalog);
    indexes.set(catalog, index);
  }
  return index;
}

function run(index: CatalogIndex, query: string): SearchResult[] {
  const words = terms(query, true);
  if (words.length === 0) return [];
  const known = (term: string) => index.vocabulary.has(term);
  const queryWords = queryTerms(query, known);
  // Pairs that are one catalog word ("mongo db" → mongodb) count as whole phrases do.
  const joined = new Set(queryWords.slice(words.length).filter((t) => !t.includes(PHRASE_JOIN)));
  return index.search.search(query, {
    tokenize: () => queryWords,
    boost: BOOST,
    // A word the catalog knows is taken as typed: "charge" must not pull in Chargebee nor
    // "text" Textract. Prefixes complete a lone word being typed ("sla" → slack) or an
    // unknown one; typo tolerance is for unknown words only and grows with length, so
    // "slak" and "gmial" land while short words do not match half the catalog.
    prefix: (term) =>
      !term.includes(PHRASE_JOIN) && term.length >= 3 && (words.length === 1 || !known(term)),
    fuzzy: (term) =>
      term.includes(PHRASE_JOIN) || known(term)
        ? false
        : term.length >= 5
          ? 2
          : term.length >= 4
            ? 1
            : false,
    weights: { fuzzy: 0.4, prefix: 0.5 },
    // A whole curated phrase ("password manager") is stronger evidence than its words.
    boostTerm: (term) => (term.includes(PHRASE_JOIN) || joined.has(term) ? PHRASE_BOOST : 1),
    boostDocument: (id) => index.prior[id as number] ?? 1,
  });
}

/** Rounds a score for output: three decimals are enough to compare and stable to read. */
function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}

/**
 * Ranks catalog integrations for a free-text request (BM25 with prefix and typo matching over
 * names, display names, curated synonyms and topics, action names and input names). Pure and
 * shared, so the local API and the search_catalog tool's fallback rank alike.
 */
export function searchCatalog(
  catalog: readonly CatalogIntegration[],
  query: string,
  limit = 20,
): CatalogHit[] {
  const index = indexFor(catalog);
  const results = run(index, query);
  const hits: CatalogHit[] = [];
  for (const r of results.slice(0, limit)) {
    const id = r.id as number;
    const integration = index.integrations[id];
    if (!integration) continue;
    // The indexed words this hit matched through its actions (after typo/prefix expansion).
    const matched = new Set(
      Object.entries(r.match)
        .filter(([, fields]) => fields.includes("actions"))
        .map(([term]) => term),
    );
    const actions: Array<[string, number]> = [];
    for (const [name, words] of index.actionTerms[id] ?? []) {
      let n = 0;
      for (const w of words) if (matched.has(w)) n++;
      if (n > 0) actions.push([name, n]);
    }
    // Actions matching more of the words first; catalog order otherwise (stable sort).
    actions.sort((a, b) => b[1] - a[1]);
    hits.push({
      name: integration.name,
      displayName: integration.displayName,
      builtIn: integration.builtIn === true,
      score: round(r.score),
      matchedActions: actions.slice(0, 10).map((a) => a[0]),
    });
  }
  return hits;
}

/**
 * The best-matching integration names for a query, best first: for did-you-mean hints and
 * argument completion ("slak" → slack, "goo" → google-*). Same ranking as searchCatalog.
 */
export function rankIntegrations(
  catalog: readonly CatalogIntegration[],
  query: string,
  limit = 5,
): RankedName[] {
  const index = indexFor(catalog);
  return run(index, query)
    .slice(0, limit)
    .flatMap((r) => {
      const integration = index.integrations[r.id as number];
      return integration
        ? [{ name: integration.name, displayName: integration.displayName, score: round(r.score) }]
        : [];
    });
}
