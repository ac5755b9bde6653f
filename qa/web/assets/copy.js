() => {
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
  document.addEventListener("click", async (event) => {
    const button = event.target.closest ? event.target.closest("button.qa-copy") : null;
    if (!button) return;
    const link = button.classList.contains("qa-copy-link");
    const text = link ? location.origin + location.pathname + button.value : button.value;
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    try { await copy(text); button.textContent = "Copied"; } catch (error) { button.textContent = "Copy failed"; }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}
