() => {
  // The page's behaviour, run once when it loads (serve.launch(js=...)).
  const questionBox = () => document.querySelector("#question textarea");
  // English name -> the same in a reply's language, for each language but English (page.py puts
  // qa.wording's table here): Gradio's buttons under a reply, and the copy buttons' notices.
  const buttonWords = QA_BUTTON_WORDS;
  const languageOf = (element) => {
    const reply = element && element.querySelector(".qa-reply");
    const marked = reply && [...reply.classList].find((name) => name.startsWith("qa-lang-"));
    return marked ? marked.slice("qa-lang-".length) : "en";
  };
  const said = (english, language) => (buttonWords[language] || {})[english] || english;

  // Links to the source view are relative to the chat; text leaving the page
  // (a copied citation, the downloaded conversation) gets them whole.
  window.qaWholeLinks = (markdown) =>
    markdown.replace(/\]\((source\/[^)\s]*)\)/g, (_, link) => "](" + new URL(link, location.href).href + ")");

  const copy = async (text) => {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { if (!document.execCommand("copy")) throw new Error("copy refused"); } finally { area.remove(); }
  };

  // Ask a question as if typed: fill the box, then press its "Ask" button.
  const ask = (question) => {
    const box = questionBox();
    if (!box) return;
    box.value = question;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => document.querySelector("#question button.submit-button").click(), 50);
  };

  document.addEventListener("click", async (event) => {
    const target = event.target.closest ? event.target : event.target.parentElement;
    const skip = target.closest("a.qa-skip, a.qa-skip-link");
    if (skip) {  // "Ask another question", "Skip to the question box"
      event.preventDefault();
      questionBox().focus();
      return;
    }
    const suggested = target.closest("button.qa-ask");
    if (suggested) { ask(suggested.value); return; }
    const thumb = target.closest(
      "#chat button[aria-label='Like'], #chat button[aria-label='Dislike'], " +
      "#chat button[data-qa-label='Like'], #chat button[data-qa-label='Dislike']");
    if (thumb) {  // the reply voted on: the feedback panel goes under it
      const buttons = thumb.closest(".message-buttons");
      window.qaVoted = [...document.querySelectorAll("#chat .bot-row")].indexOf(buttons && buttons.previousElementSibling);
      window.qaCommentFocused = false;
      return;
    }
    const button = target.closest("button.qa-copy");
    if (!button) return;
    const text = button.classList.contains("qa-copy-link")
      ? location.origin + location.pathname + button.value
      : window.qaWholeLinks(button.value);
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    const language = languageOf(button.closest(".bot-row"));
    try {
      await copy(text);
      button.textContent = said("Copied", language);
    } catch (error) {
      button.textContent = said("Copy failed", language);
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  }, true);

  // The answer in view: after a reply, a reload, Retry or a link that asks,
  // the top of the last reply goes to the top of the chat and of the window.
  window.qaShowLastReply = () => new Promise((resolve) => {
    let frames = 0;
    const show = () => {
      const replies = document.querySelectorAll("#chat .bot-row");
      const last = replies[replies.length - 1];
      if (last && last.querySelector(".qa-reply")) {
        last.scrollIntoView({ block: "start" });
        resolve(true);
      } else if (frames++ < 120) {
        requestAnimationFrame(show);
      } else {
        resolve(false);
      }
    };
    requestAnimationFrame(show);
  });

  // The feedback panel (what a vote did, the comment box a dislike opens)
  // sits under the reply voted on, and the comment box takes the focus.
  // Gradio keeps the panel mounted and updates it wherever it is; only its
  // place in the page changes. With no reply to sit under, it goes home.
  let panel = null;
  let home = null;
  const place = () => {
    // Gradio lists the empty chat's examples as role="list" around buttons, which a
    // list may not hold: a group, named, is what they are.
    const examples = document.querySelector("#chat .examples[role='list']");
    if (examples) { examples.setAttribute("role", "group"); examples.setAttribute("aria-label", "Example questions"); }
    if (!panel) {
      panel = document.querySelector("#feedback-panel");
      if (!panel) return;
      home = document.createElement("span");
      home.hidden = true;
      panel.before(home);
    }
    const row = document.querySelectorAll("#chat .bot-row")[window.qaVoted];
    const after = row && row.nextElementSibling && row.nextElementSibling.classList.contains("message-buttons")
      ? row.nextElementSibling : row;
    if (after) {
      if (after.nextElementSibling !== panel) after.after(panel);
    } else if (home.nextElementSibling !== panel) {
      home.after(panel);
    }
    const comment = panel.querySelector("#comment textarea");
    if (comment && after && !window.qaCommentFocused) {
      window.qaCommentFocused = true;
      comment.focus();
    }
  };
  new MutationObserver(place).observe(document.body, { childList: true, subtree: true });

  // Gradio's buttons under a reply (Retry, Undo, Like, Dislike; "Liked" once chosen) named in
  // the reply's language, aria-label and title alike. The English name is kept in data-qa-label:
  // Gradio may move the buttons to another reply, or rename one (Like -> Liked) as it is clicked.
  const english = new Set(Object.keys(Object.values(buttonWords)[0] || {}));
  const name = () => {
    for (const row of document.querySelectorAll("#chat .bot-row")) {
      const buttons = row.nextElementSibling;
      if (!buttons || !buttons.classList.contains("message-buttons")) continue;
      const language = languageOf(row);
      for (const button of buttons.querySelectorAll("button[aria-label]")) {
        const label = button.getAttribute("aria-label");
        const original = english.has(label) ? label : button.dataset.qaLabel;
        if (!original) continue;
        button.dataset.qaLabel = original;
        const named = said(original, language);
        if (label !== named) button.setAttribute("aria-label", named);
        if (button.getAttribute("title") !== named) button.setAttribute("title", named);
      }
    }
  };
  new MutationObserver(name).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"],
  });
}
