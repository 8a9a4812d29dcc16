// The demo prompt: a support agent with typed variables (string, number, boolean), in two versions.
import type { RouterInputs } from "@promptreg/client";

type PromptBody = RouterInputs["prompts"]["create"]["body"];

export const DEMO_PROMPT_NAME = "example-support-agent";
export const DEMO_PROMPT_TAGS = ["example", "support"];

/** Version 1.0, deployed to production when the prompt is created. */
export const PRODUCTION_BODY: PromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  messages: [
    {
      role: "system",
      content: "You are the support assistant of {{hc:company:string}}. Answer in at most {{hc:max_sentences:number}} sentences.",
    },
    { role: "user", content: "{{hc:question:string}}" },
  ],
};

/** The candidate deployed to staging: a warmer tone, the customer's name and a VIP flag. */
export const STAGING_BODY: PromptBody = {
  model: "gpt-4o-mini",
  temperature: 0.5,
  messages: [
    {
      role: "system",
      content:
        "You are the friendly support assistant of {{hc:company:string}}. Answer in at most {{hc:max_sentences:number}} sentences. VIP customer: {{hc:vip:boolean}}.",
    },
    { role: "user", content: "Customer {{hc:customer_name:string}} asks: {{hc:question:string}}" },
  ],
};
export const STAGING_COMMIT_MESSAGE = "Warmer tone; greet the customer by name; VIP flag";

/** Inputs of the staging version. */
export interface DemoInputs {
  company: string;
  customer_name: string;
  question: string;
  max_sentences: number;
  vip: boolean;
  [name: string]: unknown;
}

export const DEFAULT_INPUTS: DemoInputs = {
  company: "Acme",
  customer_name: "Sarah Johnson",
  question: "I was charged twice this month. Can you refund one payment?",
  max_sentences: 3,
  vip: true,
};
