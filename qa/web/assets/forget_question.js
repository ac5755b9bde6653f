() => {
  const url = new URL(location.href);
  if (url.searchParams.has("q")) { url.searchParams.delete("q"); history.replaceState(history.state, "", url); }
}
