import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CATALOG_SYNONYMS,
  rankIntegrations,
  searchCatalog,
} from "../../src/domain/catalog-search.js";
import { loadCatalog } from "../../src/local/catalog.js";
import { client } from "../helpers/local-api.js";
import { setup } from "../helpers/mcp.js";

// How people ask for an integration, with the answers a person would accept at the top.
// Written from how users phrase requests (brands, nicknames, tasks, typos), not from the
// ranking's output; an accepted list names every integration that truly does the task
// (e.g. any real CRM for "crm contacts"), not only the most famous. The lead checks
// generalisation on a separate held-out set.
const CASES: Array<[query: string, accepted: string[]]> = [
  // Brands and their nicknames
  ["slack", ["slack"]],
  ["chatgpt", ["openai", "azure-openai"]],
  ["post on X", ["twitter"]],
  ["tweet", ["twitter"]],
  ["anthropic", ["claude"]],
  ["gemini", ["google-gemini"]],
  ["excel", ["microsoft-excel-365"]],
  ["outlook", ["microsoft-outlook"]],
  ["ms teams", ["microsoft-teams"]],
  ["google docs", ["google-docs"]],
  ["telegram", ["telegram-bot"]],
  ["instagram", ["instagram-business"]],
  ["jira", ["jira-cloud", "jira-service-management"]],
  ["postgresql", ["postgres", "neon-db", "supabase"]],
  ["s3 bucket", ["amazon-s3", "aws-s3"]],
  // Misspellings
  ["slak", ["slack"]],
  ["gmial", ["gmail"]],
  ["salesfroce", ["salesforce"]],
  ["gogle sheets", ["google-sheets"]],
  ["dropbx", ["dropbox"]],
  ["hubspt", ["hubspot"]],
  ["notoin", ["notion"]],
  // Tasks, in a user's words
  ["send a slack message", ["slack"]],
  ["open a pull request", ["github", "gitlab", "bitbucket", "azure-devops"]],
  ["video call", ["zoom", "google-meet", "microsoft-teams", "webex"]],
  ["call a rest api", ["http"]],
  ["send a webhook", ["http"]],
  [
    "customer support tickets",
    ["zendesk", "freshdesk", "intercom", "help-scout", "zoho-desk", "gorgias", "freshservice"],
  ],
  ["store a value between runs", ["kv-store", "agent-memory"]],
  ["spreadsheet rows", ["google-sheets", "microsoft-excel-365", "smartsheet", "airtable"]],
  [
    "crm contacts",
    [
      "hubspot",
      "salesforce",
      "pipedrive",
      "zoho-crm",
      "close",
      "copper",
      "attio",
      "freshsales",
      "capsule-crm",
      "microsoft-dynamics-crm",
      "folk-crm",
      "insightly",
    ],
  ],
  [
    "send an email",
    ["gmail", "microsoft-outlook", "smtp", "sendgrid", "mailgun", "amazon-ses", "resend"],
  ],
  ["create a github issue", ["github"]],
  ["schedule a meeting", ["google-calendar", "zoom", "calendly", "microsoft-outlook-calendar"]],
  ["add an event to my calendar", ["google-calendar", "microsoft-outlook-calendar"]],
  ["charge a credit card", ["stripe", "square", "braintree", "authorize-net", "paypal"]],
  ["send an sms", ["twilio", "vonage", "messagebird", "plivo", "clicksend", "telnyx"]],
  [
    "upload a file to cloud storage",
    [
      "google-drive",
      "dropbox",
      "box",
      "amazon-s3",
      "aws-s3",
      "google-cloud-storage",
      "azure-blob-storage",
      "microsoft-onedrive",
    ],
  ],
  ["query a postgres database", ["postgres", "neon-db", "supabase"]],
  ["create a notion page", ["notion"]],
  [
    "generate an image",
    ["openai", "stability-ai", "ideogram", "leonardo-ai", "fal-ai", "adobe-firefly-services"],
  ],
  ["text to speech", ["elevenlabs", "openai", "play-ht", "cartesia"]],
  ["transcribe audio", ["deepgram", "assemblyai", "openai"]],
  ["translate text", ["deepl", "libretranslate"]],
  ["scrape a website", ["firecrawl", "apify", "web-reader", "scrapingbee", "scraperapi", "zyte"]],
  ["read a web page as markdown", ["web-reader", "firecrawl", "jina-ai"]],
  ["search the web", ["brave-search", "tavily", "exa", "serpapi", "perplexity-ai"]],
  ["run python code", ["advanced-code"]],
  ["run javascript", ["code", "advanced-code"]],
  ["shopify orders", ["shopify"]],
  ["sign a contract", ["docusign", "dropbox-sign", "hellosign", "pandadoc", "documenso"]],
  ["create an invoice", ["quickbooks", "xero", "freshbooks", "zoho-invoice", "stripe"]],
  ["payroll", ["gusto", "adp", "rippling", "paylocity", "deel"]],
  ["job applicants", ["greenhouse", "lever", "ashby", "workable", "jazzhr", "teamtailor"]],
  [
    "email newsletter",
    [
      "mailchimp",
      "beehiiv",
      "convertkit",
      "substack",
      "mailer-lite",
      "getresponse",
      "constant-contact",
      "emailoctopus",
      "brevo",
    ],
  ],
  [
    "track product analytics events",
    ["mixpanel", "amplitude", "posthog", "segment", "heap", "google-analytics"],
  ],
  ["error monitoring", ["sentry", "bugsnag", "rollbar"]],
  ["page the on-call engineer", ["pagerduty", "opsgenie", "incident-io", "splunk-on-call"]],
  ["vector database", ["pinecone", "qdrant", "weaviate", "chromadb"]],
  ["form responses", ["typeform", "google-forms", "jotform", "tally"]],
  ["shorten a url", ["bitly", "short-io", "dub"]],
  ["weather forecast", ["openweather", "weatherapi", "visual-crossing"]],
  ["base64 encode", ["hash-encode"]],
  ["convert a date to another timezone", ["datetime"]],
  ["move a trello card", ["trello"]],
  ["create a task", ["asana", "todoist", "trello", "clickup", "google-tasks", "microsoft-todo"]],
  ["read emails from my inbox", ["gmail", "microsoft-outlook", "imap"]],
  ["whatsapp message", ["whatsapp"]],
  ["youtube video", ["youtube"]],
  ["refund a stripe payment", ["stripe"]],
  ["deploy a website", ["vercel", "netlify", "render"]],
  ["password manager", ["1password", "bitwarden"]],
  ["automate a browser", ["agent-browser", "agent-local-browser-control", "agent-browser-stealth"]],
  ["remember facts about the user", ["agent-memory"]],
];

const TOP1_TARGET = 0.85;
const TOP3_TARGET = 0.95;

describe("catalog search evaluation", () => {
  const catalog = loadCatalog();

  it("every curated synonym and topic names a real catalog integration", () => {
    const missing: string[] = [];
    for (const name of Object.keys(CATALOG_SYNONYMS.aliases)) {
      if (!catalog.get(name)) missing.push(`aliases.${name}`);
    }
    CATALOG_SYNONYMS.topics.forEach((t, i) => {
      for (const name of t.integrations) {
        if (!catalog.get(name)) missing.push(`topics[${i}] (${t.terms[0]}): ${name}`);
      }
    });
    expect(missing).toEqual([]);
  });

  it("every accepted answer in the evaluation set is a real catalog integration", () => {
    const missing = CASES.flatMap(([q, accepted]) =>
      accepted.filter((n) => !catalog.get(n)).map((n) => `${q}: ${n}`),
    );
    expect(missing).toEqual([]);
  });

  it(`ranks an accepted answer first for ≥ ${TOP1_TARGET * 100} % and in the top 3 for ≥ ${TOP3_TARGET * 100} % of ${CASES.length} requests`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    let top1 = 0;
    let top3 = 0;
    const misses: string[] = [];
    for (const [query, accepted] of CASES) {
      const got = searchCatalog(catalog.integrations, query, 3).map((h) => h.name);
      const pos = got.findIndex((n) => accepted.includes(n));
      if (pos === 0) top1++;
      if (pos >= 0 && pos < 3) top3++;
      if (pos !== 0) misses.push(`  "${query}" → [${got.join(", ")}] (want ${accepted.join("|")})`);
    }
    const r1 = top1 / CASES.length;
    const r3 = top3 / CASES.length;
    console.log(
      `catalog eval: top-1 ${top1}/${CASES.length} (${(r1 * 100).toFixed(1)} %), top-3 ${top3}/${CASES.length} (${(r3 * 100).toFixed(1)} %)` +
        (misses.length ? `\nnot first:\n${misses.join("\n")}` : ""),
    );
    expect(r1).toBeGreaterThanOrEqual(TOP1_TARGET);
    expect(r3).toBeGreaterThanOrEqual(TOP3_TARGET);
  });
});

describe("rankIntegrations (did-you-mean and completion)", () => {
  const { integrations } = loadCatalog();
  const top = (q: string, n = 3) => rankIntegrations(integrations, q, n).map((r) => r.name);

  it("finds the meant integration from a cased name, a typo or a prefix", () => {
    expect(top("Slack")[0]).toBe("slack");
    expect(top("slak")[0]).toBe("slack");
    expect(top("gmial")[0]).toBe("gmail");
    expect(top("sla")).toContain("slack");
    expect(top("goo", 5).every((n) => n.startsWith("google"))).toBe(true);
  });

  it("returns scores best first, at most `limit`, and nothing for nonsense or stop words", () => {
    const ranked = rankIntegrations(integrations, "google", 4);
    expect(ranked).toHaveLength(4);
    const scores = ranked.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(rankIntegrations(integrations, "qqxzzv", 5)).toEqual([]);
    expect(rankIntegrations(integrations, "the a of", 5)).toEqual([]);
    expect(rankIntegrations(integrations, "", 5)).toEqual([]);
  });

  it("builds its index on first use, once per catalog, in well under a second of CPU", () => {
    // CPU time of this process, not wall time: other work on a shared machine must not count.
    const cpuMs = (fn: () => void) => {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    };
    // A copy is a new catalog to the cache, so this times a real build.
    const copy = [...integrations];
    const buildMs = cpuMs(() => searchCatalog(copy, "slack", 1));
    const searchMs =
      cpuMs(() => {
        for (let i = 0; i < 20; i++) searchCatalog(copy, "send a slack message", 10);
      }) / 20;
    console.log(
      `catalog index: ${integrations.length} integrations, first search (build) ${buildMs.toFixed(0)} ms CPU, then ${searchMs.toFixed(2)} ms CPU per search`,
    );
    expect(buildMs).toBeLessThan(1000);
    // A rebuild per call would make every search cost about as much as the first.
    expect(searchMs).toBeLessThan(buildMs / 3);
  });
});

describe("one ranking behind the local API and the search_catalog tool", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(async () => {
    await env.close();
  });

  it.each(["chatgpt", "post on X", "video call", "slak"])(
    "GET /integrations?search= and search_catalog agree with the domain ranking for %j",
    async (query) => {
      const want = searchCatalog(loadCatalog().integrations, query, 5).map((h) => h.name);
      expect(want.length).toBeGreaterThan(0);
      const call = client(env.local.url, env.local.apiKey);
      const rest = await call(
        "GET",
        `/api/v1/integrations?search=${encodeURIComponent(query)}&limit=5`,
      );
      expect(rest.status).toBe(200);
      expect(rest.body.hits.map((h: { name: string }) => h.name)).toEqual(want);
      const tool = await env.call("search_catalog", { query, limit: 5 });
      expect(tool.isError, env.text(tool)).toBeFalsy();
      expect(tool.structuredContent?.hits.map((h: { name: string }) => h.name)).toEqual(want);
    },
  );
});
