// "Mes données": a person downloads, in one go, everything Cartable holds of them
// (the GDPR right of access): POST /api/v1/me/export answers a signed URL that the
// browser follows as a plain download, streamed by the server whatever its size.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { follow } from "./items.js";

/** Shows the page: one sentence of what the zip holds, and one button. */
export function showMyData(main) {
  document.title = `${t("mydata.title")} — ${t("app.title")}`;
  const status = h("p", { class: "mydata-status", role: "status" });
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "button", class: "primary mydata-download" }, icon("download"), t("mydata.download"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.textContent = "";
    status.textContent = t("mydata.preparing");
    try {
      const got = await api("/me/export", { method: "POST" });
      follow(got.download_url);
      status.textContent = t("mydata.started");
    } catch (err) {
      status.textContent = "";
      error.textContent = err.title || t("error.generic");
    } finally {
      button.disabled = false;
    }
  });
  fill(main, h("div", { class: "folder-view mydata" },
    h("div", { class: "folder-head" }, h("h1", {}, t("mydata.title"))),
    h("p", { class: "intro" }, t("mydata.intro")),
    button, status, error));
}
