// The colour theme: the system's (prefers-color-scheme) until the user presses the toggle, whose
// choice is kept in localStorage. The theme is an attribute on <html>; style.css holds the colours.
/* global document, window, localStorage */

const KEY = 'kairos-theme';
const system = window.matchMedia('(prefers-color-scheme: dark)');

/** The stored choice ('dark' | 'light'), or null to follow the system. Storage may be disabled. */
function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'dark' || v === 'light' ? v : null;
  } catch {
    return null;
  }
}

function store(theme) {
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Private mode without storage: the choice lasts until the page is reloaded.
  }
}

/** Applies the theme and wires `toggle` (a button: aria-pressed says whether dark mode is on). */
export function initTheme(toggle) {
  let choice = stored();
  const apply = () => {
    const dark = (choice ?? (system.matches ? 'dark' : 'light')) === 'dark';
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    toggle.setAttribute('aria-pressed', String(dark));
  };
  toggle.addEventListener('click', () => {
    choice = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    store(choice);
    apply();
  });
  // Following the system: a change of its setting shows at once.
  system.addEventListener('change', apply);
  apply();
}
