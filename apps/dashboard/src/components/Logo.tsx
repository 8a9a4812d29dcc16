export function Logo() {
  return (
    <span className="logo">
      <svg viewBox="0 0 32 32" width="24" height="24" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="8" fill="var(--logo, #4f46e5)" />
        <path d="M10 9h7.5a5.5 5.5 0 0 1 0 11H14v3h-4z" fill="#fff" />
        <circle cx="17" cy="14.5" r="2.2" fill="var(--logo, #4f46e5)" />
      </svg>
      <span className="logo-text">promptreg</span>
    </span>
  );
}
