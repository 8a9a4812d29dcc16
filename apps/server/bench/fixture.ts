// The prompt the gateway benchmarks send, its inputs, and the body the gateway compiles from them
// (sent directly to the upstream by the baselines, so both sides do the same upstream work).
export const template = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    { role: "system", content: "You are a support agent for {{hc:company:string}}. Answer in {{hc:language:string}}." },
    { role: "user", content: "Order {{hc:order:number}}: {{hc:question:string}}" },
  ],
};

export const inputs = { company: "Acme", language: "English", order: 1234, question: "Where is my parcel?" };

export const compiledBody = JSON.stringify({
  ...template,
  messages: [
    { role: "system", content: "You are a support agent for Acme. Answer in English." },
    { role: "user", content: "Order 1234: Where is my parcel?" },
  ],
});
