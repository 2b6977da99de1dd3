// The pipeline board: drag a card onto another stage to move the opportunity there.
// The server decides (permissions, loss reason, stale versions); the card moves only
// when it agrees, so the board never shows a move that did not happen.
(function () {
  "use strict";
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const csrf = board.dataset.csrf;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("loss-dialog");
  let dragged = null;

  function say(text) { status.textContent = text; }

  function askLossReason() {
    return new Promise((resolve) => {
      dialog.returnValue = "";
      dialog.showModal();
      dialog.addEventListener("close", () => {
        resolve(dialog.returnValue === "ok" ? dialog.querySelector("select").value : null);
      }, { once: true });
    });
  }

  async function move(card, column) {
    const body = new URLSearchParams({ stage: column.dataset.stage, version: card.dataset.version });
    if (column.dataset.lost === "1") {
      const reason = await askLossReason();
      if (!reason) return;
      body.set("loss_reason", reason);
    }
    const response = await fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body,
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(typeof answer.error === "string" ? answer.error : board.dataset.failed);
      if (response.status === 409) window.setTimeout(() => window.location.reload(), 1500);
      return;
    }
    card.dataset.version = answer.version;
    column.querySelector("[data-cards]").prepend(card);
    say(board.dataset.moved);
  }

  board.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-card]");
    if (dragged) event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  board.querySelectorAll("[data-stage]").forEach((column) => {
    column.addEventListener("dragover", (event) => { event.preventDefault(); column.classList.add("drop-target"); });
    column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (dragged && dragged.closest("[data-stage]") !== column) move(dragged, column);
      dragged = null;
    });
  });
  // Keyboard: a card's stage menu does the same move without a mouse.
  board.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-move]");
    if (!select) return;
    const column = board.querySelector(`[data-stage="${select.value}"]`);
    move(select.closest("[data-card]"), column);
  });
})();
