// Inbox: a visible and audible SOS alert, canned answers inserted into the reply, the thread kept
// scrolled to the newest line. Every page works without this file (htmx does the live refresh).
(() => {
  const seenKey = "caunoi.inbox.sos-seen";
  const seen = () => new Set(JSON.parse(sessionStorage.getItem(seenKey) || "[]"));
  const remember = (ids) => sessionStorage.setItem(seenKey, JSON.stringify([...ids]));

  function alertNewSos(root) {
    const items = root.querySelectorAll("[data-sos-id]");
    if (!items.length) return;
    const known = seen();
    const fresh = [...items].filter((el) => !known.has(el.dataset.sosId));
    if (!fresh.length) return;
    fresh.forEach((el) => { el.classList.add("sos-new"); known.add(el.dataset.sosId); });
    remember(known);
    const banner = document.getElementById("sos-banner");
    if (banner) banner.hidden = false;
    if (!document.title.startsWith("SOS")) document.title = "SOS · " + document.title;
    const sound = document.getElementById("sos-sound");
    if (sound instanceof HTMLAudioElement) {
      sound.currentTime = 0;
      sound.play().catch(() => {
        const enable = document.getElementById("sos-enable-sound");
        if (enable) enable.hidden = false;
      });
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof HTMLElement && target.id === "sos-enable-sound") {
      const sound = document.getElementById("sos-sound");
      if (sound instanceof HTMLAudioElement) sound.play().catch(() => {});
      target.hidden = true;
    }
  });

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.dataset.cannedTarget) return;
    const area = document.getElementById(select.dataset.cannedTarget);
    const option = select.selectedOptions[0];
    if (area instanceof HTMLTextAreaElement && option && option.dataset.text) {
      area.value = area.value ? area.value + "\n" + option.dataset.text : option.dataset.text;
      area.focus();
    }
    select.selectedIndex = 0;
  });

  function scrollThread() {
    const thread = document.getElementById("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }

  document.addEventListener("DOMContentLoaded", () => { alertNewSos(document); scrollThread(); });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    alertNewSos(event.target instanceof HTMLElement ? event.target : document);
    scrollThread();
  });
})();
