// The prompt the slow-stream benchmark sends (the fake's answer does not depend on it: 20 chunks over 2 s).
export const slowTemplate = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Tell me about {{hc:topic:string}}" }],
};
export const fixtureInputs = { topic: "parcels" };
