(text) => {
  const link = document.createElement("a");
  const whole = window.qaWholeLinks ? window.qaWholeLinks(text) : text;
  link.href = URL.createObjectURL(new Blob([whole], {type: "text/markdown;charset=utf-8"}));
  link.download = "cica-conversation.md";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}
