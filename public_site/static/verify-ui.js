// The 验证 button of a draw page (docs/site.md §6). The verifier itself lives in
// ./verify/ (DOM-free, docs/specs/js-verifier.md); this module only wires it to the page:
// it gives the verifier fetchFile(path) over the site's own files and shows each step.
const root = new URL("../", import.meta.url);

export async function fetchFile(path) {
  const res = await fetch(new URL(path, root), { cache: "no-store" });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function passed(step) {
  if (typeof step.ok === "boolean") return step.ok;
  return step.status === "pass" || step.status === "passed" || step.result === "pass";
}

function show(steps, list) {
  list.replaceChildren();
  for (const step of steps) {
    const li = document.createElement("li");
    const ok = passed(step);
    li.className = ok ? "pass" : "fail";
    li.dataset.code = step.code;
    li.dataset.status = ok ? "pass" : "fail";
    const verdict = document.createElement("span");
    verdict.className = ok ? "result-pass" : "result-fail";
    verdict.textContent = ok ? "通过" : "未通过";
    li.append(`${step.label || step.code}：`, verdict);
    const why = step.reason || step.message || step.detail;
    if (!ok && why) li.append(`（${why}）`);
    list.append(li);
  }
}

async function setup() {
  const article = document.getElementById("draw");
  const button = document.getElementById("verify-button");
  const status = document.getElementById("verify-status");
  const list = document.getElementById("verify-steps");
  if (!article || !button) return;
  let verifier;
  for (const name of ["./verify/orchestrator.mjs", "./verify/orchestrator.js"]) {
    try {
      verifier = await import(name);
      break;
    } catch (err) {
      verifier = undefined;
    }
  }
  if (!verifier) {
    status.textContent = "本站未附带浏览器核验模块。";
    return;
  }
  const run = verifier.verifyDraw || verifier.verify || verifier.default;
  if (!article.dataset.drawIndex) {
    status.textContent = "本任务尚未抽取，无可核验的结果。";
    return;
  }
  button.disabled = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "正在核验……";
    list.replaceChildren();
    const started = performance.now();
    try {
      const report = await run({
        task: article.dataset.task,
        drawIndex: Number(article.dataset.drawIndex),
        fetchFile,
      });
      const steps = Array.isArray(report) ? report : report.steps || [];
      show(steps, list);
      const ok = steps.length > 0 && steps.every(passed);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      status.textContent = ok ? `核验通过（${seconds} 秒）` : "核验未通过：见下列未通过的步骤";
      status.dataset.result = ok ? "pass" : "fail";
      status.dataset.ms = String(Math.round(performance.now() - started));
    } catch (err) {
      status.textContent = `核验未能完成：${err.message}`;
      status.dataset.result = "error";
    } finally {
      button.disabled = false;
    }
  });
}

setup();
