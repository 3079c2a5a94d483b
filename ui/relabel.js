// Streamlit's own words on its widgets (the uploader's button and size limit, the "Press Enter" hints, the
// messages of an open list) in the app's language: Streamlit has no parameter for them.
//
// Trusted code with trusted data: `data.words` maps Streamlit's exact English phrases (and, after a switch,
// the other language's words for them) to the catalogue's words in the chosen language (forecast/labels.py,
// the "st:" labels); "{name}" in a phrase stands for a part kept as it is ("50MB").
// Only text nodes inside Streamlit's widget chrome are touched, only when their whole text is one of those
// phrases, and only through Text.data - never HTML - so nothing a user typed or uploaded is ever read as
// markup or changed. Undone when the component goes.
const SCOPES = [
  '[data-testid="stFileUploader"]',
  '[data-testid="InputInstructions"]',
  '[data-testid="stMultiSelect"]',
  '[data-testid="stSelectbox"]',
  // the open list of a select box or a multiselect, drawn outside the widget
  '[data-testid="stMultiSelectDropdown"]',
  '[data-testid="stSelectboxVirtualDropdown"]',
  '[data-baseweb="popover"]',
].join(",");

function rules(words) {
  return Object.entries(words).map(([english, said]) => {
    const names = [];
    const pattern = english
      .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
      .replace(/\{(\w+)\}/g, (_, name) => {
        names.push(name);
        return "(.+?)";
      });
    return { re: new RegExp(`^${pattern}$`), names, said };
  });
}

// Only the newest instance acts: during a rerun the old one may still be on the page, and two instances in two
// languages would translate each other's words back and forth for ever. The count lives on the page, not in
// the module, in case Streamlit loads the module twice.
const NEWEST = "__forecastRelabelNewest";

export default function (component) {
  const me = (globalThis[NEWEST] = (globalThis[NEWEST] || 0) + 1);
  const newest = () => globalThis[NEWEST];
  const known = rules(component.data.words || {});
  const changed = new Map(); // text node -> [the words it had, ours]

  const translate = (text) => {
    const bare = text.trim();
    for (const { re, names, said } of known) {
      const m = re.exec(bare);
      if (m) {
        const out = names.reduce((s, name, i) => s.split(`{${name}}`).join(m[i + 1]), said);
        return text.replace(bare, out);
      }
    }
    return null;
  };

  const visitText = (node) => {
    const parent = node.parentElement;
    if (!parent || !parent.closest(SCOPES)) return;
    const out = translate(node.data);
    if (out !== null && out !== node.data) {
      changed.set(node, [node.data, out]);
      node.data = out;
    }
  };

  const visit = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      visitText(node);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) visitText(walker.currentNode);
    }
  };

  const observer = new MutationObserver((records) => {
    if (me !== newest()) {
      observer.disconnect();
      return;
    }
    for (const r of records) {
      if (r.type === "characterData") visit(r.target);
      else r.addedNodes.forEach(visit);
    }
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  visit(document.body);

  return () => {
    observer.disconnect();
    changed.forEach(([theirs, ours], node) => {
      if (node.isConnected && node.data === ours) node.data = theirs;
    });
  };
}
