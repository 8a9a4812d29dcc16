import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { LiveUpdates } from "./api/live";
import { ToastProvider } from "./components/Toasts";
import { SessionProvider } from "./session";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // The client already retries transient failures (no answer, 502/503/504); 4xx answers are final.
      retry: false,
      // Data stays current through the change stream (LiveUpdates), which invalidates what changed: no
      // refetch on focus or on a timer.
      staleTime: Infinity,
      refetchOnWindowFocus: false,
    },
  },
});

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <LiveUpdates>
          <ToastProvider>
            <App />
          </ToastProvider>
        </LiveUpdates>
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
