// Browser tests of the Yinling web app in headless Debian chromium (playwright-core), with an
// axe-core accessibility check on every main page. Driven by tests/browser.rs, which starts the
// real server, seeds it and passes everything through the environment.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
};
const BASE = env('BASE');
const SHOTS = env('SCREENSHOTS');
mkdirSync(SHOTS, { recursive: true });

const failures = [];
const axeFindings = [];
const report = { pages: [] };
const check = (ok, what) => { if (!ok) failures.push(what); };

async function audit(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) axeFindings.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`);
  // Elderly-friendly basics, measured in the real layout.
  const metrics = await page.evaluate(() => {
    const body = getComputedStyle(document.body);
    const small = [...document.querySelectorAll('a.button, button, input:not([type=checkbox]):not([type=hidden]), select')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.height < 48 || r.width < 48).length;
    return { fontSize: parseFloat(body.fontSize), lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize), small,
             overflow: document.documentElement.scrollWidth > window.innerWidth + 1 };
  });
  check(metrics.fontSize >= 20, `${name}: base font ${metrics.fontSize}px < 20px`);
  check(metrics.lineHeight >= 1.5, `${name}: line height ${metrics.lineHeight} < 1.5`);
  check(metrics.small === 0, `${name}: ${metrics.small} controls smaller than 48px`);
  check(!metrics.overflow, `${name}: wider than the screen`);
  report.pages.push({ name, violations: result.violations.length, serious: bad.length, ...metrics });
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
try {
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'zh-CN' };

  // 1. A volunteer signs in from the card link, redeems, and sees the balance change.
  const volunteer = await browser.newContext(phone);
  const v = await volunteer.newPage();
  await v.goto(BASE + env('CARD_PATH'));
  check(new URL(v.url()).pathname === '/me', `card link landed on ${v.url()}`);
  const before = Number((await v.textContent('.balance')).trim());
  await audit(v, 'volunteer-home'); await shot(v, 'volunteer-home');
  await v.click('text=去兑换奖品');
  await v.waitForURL('**/station');
  await audit(v, 'station'); await shot(v, 'station');
  const cost = Number(env('REWARD_COST'));
  await v.click(`a[href="/station/${env('REWARD_ID')}"]`);
  await v.waitForURL('**/station/*');
  await audit(v, 'redeem-confirm'); await shot(v, 'redeem-confirm');
  await v.click('button:has-text("确认兑换")');
  await v.waitForSelector('text=兑换成功');
  await shot(v, 'redeem-done');
  // A double tap on the same form redeems once: the form id is the idempotency key.
  await v.goBack();
  await v.click('text=看我的积分').catch(() => {});
  await v.goto(BASE + '/me');
  const after = Number((await v.textContent('.balance')).trim());
  check(after === before - cost, `balance went from ${before} to ${after}, expected ${before - cost}`);
  await v.goto(BASE + '/me/statement'); await audit(v, 'statement'); await shot(v, 'statement');
  // A dispute in plain words, from the statement.
  await v.fill('#reason', '上个月的巡河没有登记');
  await v.click('button:has-text("提出异议")');
  await v.waitForURL('**/me/statement');
  check(await v.locator('text=等待答复').count() > 0, 'the dispute is not on the statement');
  await v.goto(BASE + '/me/redemptions'); await audit(v, 'my-rewards');
  check(await v.locator('text=取货码').count() > 0, 'the volunteer does not see the pickup code of their hold');
  // The counter PIN, set by the volunteer themself.
  await v.goto(BASE + '/me/pin'); await audit(v, 'my-pin');
  await v.fill('#pin', '2468');
  await v.fill('#pin_again', '2468');
  await v.click('button:has-text("保存密码")');
  await v.waitForSelector('text=密码已保存');
  await v.goto(BASE + '/me');
  // Where notices go: the volunteer's own mobile and a daughter's, shown back masked.
  await v.fill('#phone', '138 0000 1234');
  await v.fill('#relative_name', '沈丽');
  await v.fill('#relative_relation', '女儿');
  await v.fill('#relative_phone', '13900005678');
  await v.click('form[action="/me/contacts"] button');
  await v.waitForURL('**/me');
  check(await v.locator('text=138****1234').count() > 0, 'the saved mobile is not shown back masked');
  check(await v.locator('text=13800001234').count() === 0, 'the whole mobile number is on the page');
  await audit(v, 'volunteer-contacts');
  // The leaderboard's charts on a phone: their text drawn at 16 px or more.
  await v.goto(BASE + '/rankings');
  const chartText = await v.evaluate(() => Math.min(...[...document.querySelectorAll('svg.chart text')]
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getBoundingClientRect().width
      / t.ownerSVGElement.viewBox.baseVal.width)));
  check(chartText >= 16, `chart text drawn at ${chartText.toFixed(1)}px on a 390px phone`);
  await audit(v, 'rankings-phone');
  // Works at 320 px.
  await v.setViewportSize({ width: 320, height: 700 });
  await v.goto(BASE + '/me'); await audit(v, 'volunteer-home-320'); await shot(v, 'volunteer-home-320');
  // English on request.
  await v.click('a[href="/lang/en"]');
  await v.waitForSelector('text=Points you can use');
  await v.click('a[href="/lang/zh"]');
  await volunteer.close();

  // 2. A coordinator logs an activity for three volunteers.
  const staff = { viewport: { width: 1024, height: 900 }, locale: 'zh-CN' };
  const coordinator = await browser.newContext(staff);
  const c = await coordinator.newPage();
  await c.goto(BASE + '/');
  await audit(c, 'sign-in'); await shot(c, 'sign-in');
  await c.fill('#token', env('COORDINATOR_TOKEN'));
  await c.click('button:has-text("登录")');
  await c.waitForURL('**/team');
  await audit(c, 'team'); await shot(c, 'team');
  await c.goto(BASE + '/team/activities/new');
  await c.fill('#title', '社区邻里纠纷调解');
  const boxes = c.locator('.pick input[type=checkbox]');
  for (let i = 0; i < 3; i++) await boxes.nth(i).check();
  await c.fill('#people_served', '12');
  await audit(c, 'log-activity'); await shot(c, 'log-activity');
  await c.click('button:has-text("登记")');
  await c.waitForSelector('text=已为 3 位志愿者登记');
  await shot(c, 'log-activity-done');
  // 2b. One participant's hours were written wrong: correct only theirs.
  await c.goto(BASE + '/team/activities');
  await c.locator('a:has-text("更正某个人的时长")').first().click();
  await c.waitForURL('**/correct');
  await c.locator('input[name=volunteer]').first().check();
  await c.fill('#hours', '1.5');
  await c.fill('#reason', '多记了半小时');
  await audit(c, 'correct-one');
  await c.click('button:has-text("确认更正")');
  await c.waitForURL('**/team/activities');
  // 2b'. A joint activity with another team of the 银雁协共体: both teams' people listed,
  // one of each ticked; each one's hours go to their own team.
  await c.goto(BASE + '/team/activities/new');
  await c.click('summary');
  await c.locator('.choice input[name=with]').first().check();
  await c.click('button:has-text("列出这些队伍的队员")');
  await c.waitForSelector('text=联合活动');
  check(await c.locator('fieldset h2').count() === 2, 'the joint form does not list both teams');
  await c.fill('#title', '两队联合敬老助餐');
  const both = c.locator('fieldset h2');
  await c.locator('fieldset h2 + .pick input[type=checkbox]').first().check();
  await both.nth(1).locator('xpath=following-sibling::div[contains(@class,"pick")][1]//input[@type="checkbox"]').check();
  await audit(c, 'log-joint'); await shot(c, 'log-joint');
  await c.click('button:has-text("登记")');
  await c.waitForSelector('text=已为 2 位志愿者登记');
  // 2c. A sign-in sheet found seven weeks late: past the city's 30-day limit, it waits for
  // an administrator instead of earning at once.
  await c.goto(BASE + '/team/activities/new');
  await c.fill('#title', '补登：重阳敬老宣讲');
  await c.fill('#date', new Date(Date.now() + 8 * 36e5 - 45 * 864e5).toISOString().slice(0, 10));
  await c.locator('.pick input[type=checkbox]').first().check();
  await c.click('button:has-text("登记")');
  await c.waitForSelector('text=已交管理员审批');
  await audit(c, 'backfill-waiting'); await shot(c, 'backfill-waiting');

  // 3. The leaderboard renders its SVG charts.
  await c.goto(BASE + '/rankings');
  const bars = await c.locator('svg#chart-teams rect').count();
  check(bars > 0, 'the team chart has no bars');
  check(await c.locator('svg#chart-months').count() === 1, 'no monthly chart');
  await audit(c, 'rankings'); await shot(c, 'rankings');

  // 3b. The performance evaluation, the project list and one project's page.
  await c.goto(BASE + '/team');
  await c.click('a:has-text("绩效评价和项目清单")');
  await c.waitForURL('**/evaluation');
  check(await c.locator('#teams + p + p + .scroll tbody tr').count() > 0, 'no team in the score ranking');
  check(await c.locator('text=银雁协共体').count() > 0, 'the cross-region group is missing');
  await audit(c, 'evaluation'); await shot(c, 'evaluation');
  await c.fill('#from', '2026-03-01');
  await c.click('button:has-text("查看这段时间")');
  await c.waitForURL('**/evaluation?from=2026-03-01**');
  // The date picker cannot send a bad date; a hand-typed address can.
  await c.goto(BASE + '/evaluation?from=2026-02-30');
  await c.waitForSelector('.error');
  check((await c.locator('.error').innerText()).includes('不是有效的日期'), 'a bad date is not explained');
  await audit(c, 'evaluation-bad-date');
  await c.goto(BASE + '/evaluation');
  await c.locator('#projects + ul a').first().click();
  await c.waitForURL('**/projects/**');
  check(await c.locator('h2:has-text("项目成效")').count() === 1, 'the project page has no figures');
  await audit(c, 'project'); await shot(c, 'project');
  await c.goto(BASE + '/team/cards');
  await c.locator('.pick input[type=checkbox]').first().check();
  await c.click('button:has-text("生成积分卡")');
  check(await c.locator('.qr-card svg').count() === 1, 'no QR card printed');
  await shot(c, 'card');
  // 3c. That card is lost: stopped and reprinted from the same page, in one step.
  await c.goto(BASE + '/team/cards');
  await audit(c, 'cards');
  await c.locator('form[action$="/replace"] button').first().click();
  await c.waitForSelector('.qr-card svg');
  check(await c.locator('.qr-card').count() === 1, 'the replacement card is not printed');
  // 3d. Paper for people without phones: one large-type page per volunteer, A4 and A5,
  // printed to PDF by Chromium; the text stays text (fonts mapped to Unicode).
  for (const paper of ['a4', 'a5']) {
    await c.goto(BASE + `/team/statements?paper=${paper}`);
    const sheets = await c.locator('section.sheet').count();
    check(sheets > 1, `the ${paper} statements show ${sheets} volunteers`);
    if (paper === 'a4') { await audit(c, 'statements'); await shot(c, 'statements'); }
    await c.emulateMedia({ media: 'print' });
    const pdf = (await c.pdf({ preferCSSPageSize: true })).toString('latin1');
    await c.emulateMedia({ media: 'screen' });
    const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) || []).length;
    const box = pdf.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)/);
    const widthMm = paper === 'a4' ? 210 : 148;
    check(pages === sheets, `the ${paper} statements print on ${pages} pages for ${sheets} volunteers`);
    // One of them has every part at its cap (tests/browser.rs, a_statement_at_its_caps).
    const full = c.locator('section.sheet', { has: c.locator(`h2:text-is("${process.env.FULL_SHEET}")`) });
    check(await full.count() === 1, `no ${paper} statement of ${process.env.FULL_SHEET}`);
    const disputes = await full.locator('p:has-text("异议（")').count();
    check(disputes === 3, `the ${paper} statement at its caps lists ${disputes} disputes, not 3`);
    const told = await full.locator('p.told').count();
    // A5's room holds the first lines and one notice beside the rest at their caps.
    const room = paper === 'a4' ? 2 : 1;
    check(told === room, `the ${paper} statement at its caps lists ${told} notices, not ${room}`);
    check(await full.locator('p:has-text("条更早的记录")').count() === 1, `the ${paper} statement at its caps does not count the lines it leaves out`);
    const busy = c.locator('section.sheet', { has: c.locator(`h2:text-is("${process.env.BUSY_SHEET}")`) });
    const rows = await busy.locator('tr').count();
    check(rows >= (paper === 'a4' ? 14 : 10), `the ${paper} statement of a month of lines alone lists ${rows} of them`);
    check(await busy.locator('p:has-text("条更早的记录")').count() === 1, `the ${paper} statement of a month of lines alone does not count the lines it leaves out`);
    if (box) check(Math.abs(Number(box[1]) - widthMm * 72 / 25.4) < 2, `the ${paper} statements print on ${box[1]}pt paper`);
    check(pdf.includes('/ToUnicode'), `the ${paper} statements PDF has no selectable text`);
    report.pages.push({ name: `statements-${paper}`, pages, sheets });
  }
  // 3e. Confirmation by the people served: the coordinator prints a slip for an activity;
  // the village committee, on a phone without an account, types the code and confirms.
  await c.goto(BASE + '/team/activities');
  await c.locator('a[href$="/confirmation"]').first().click();
  await c.waitForURL('**/confirmation');
  await audit(c, 'confirmation-codes');
  await c.fill('#party', '荻港村村委会');
  await c.click('button:has-text("打印确认单")');
  await c.waitForSelector('.slip .code');
  check(await c.locator('.slip .qr svg').count() === 1, 'the slip has no QR code');
  const slipCode = (await c.locator('.slip .code').innerText()).trim();
  check(/^\d{4} \d{4} \d{4}$/.test(slipCode), `the slip's code reads ${slipCode}`);
  await audit(c, 'confirmation-slip'); await shot(c, 'confirmation-slip');
  const served = await browser.newContext(phone);
  const s = await served.newPage();
  await s.goto(BASE + '/confirm');
  await audit(s, 'confirm-enter');
  await s.fill('#code', slipCode);
  await s.click('button:has-text("下一步")');
  await s.waitForURL('**/confirm/**');
  check(await s.locator('text=荻港村村委会').count() > 0, 'the confirmation page does not name the party');
  await audit(s, 'confirm'); await shot(s, 'confirm');
  await s.fill('#name', '沈国强');
  await s.fill('#role', '村委会主任');
  await s.click('button:has-text("情况属实，确认")');
  await s.waitForSelector('text=已确认');
  await audit(s, 'confirmed');
  // The signed checkpoint, printable, for a noticeboard.
  await s.goto(BASE + '/checkpoint');
  check(await s.locator('pre.checkpoint').count() === 1, 'no checkpoint on the page');
  check(await s.locator('.slip .qr svg').count() === 1, 'the checkpoint has no QR code');
  await audit(s, 'checkpoint'); await shot(s, 'checkpoint');
  await served.close();
  await coordinator.close();

  // 4. The station keeper's counter and the auditor's verification.
  const admin = await browser.newContext(staff);
  const a = await admin.newPage();
  await a.goto(BASE + '/');
  await a.fill('#token', env('ADMIN_TOKEN'));
  await a.click('button:has-text("登录")');
  await a.waitForURL('**/counter');
  await audit(a, 'counter'); await shot(a, 'counter');
  await a.click('button:has-text("已交给本人")');
  await a.waitForURL('**/counter');
  // 4b. The earning rules: a version from a month ago, previewed and re-rated.
  await a.click('a:has-text("积分规则")');
  await a.waitForURL('**/rules');
  const monthAgo = new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10);
  const today = new Date(Date.now() + 8 * 36e5).toISOString().slice(0, 10);
  await a.fill('#effective_from', monthAgo);
  await a.selectOption('#category', 'eco_patrol');
  await a.fill('#rate', '12');
  await a.fill('#weekend', '1.5');
  await a.fill('#note', '巡河护绿周末加分');
  await a.click('button:has-text("定下这版规则")');
  await a.waitForURL('**/rules');
  check(await a.locator('text=巡河护绿周末加分').count() === 1, 'the adopted version is not listed');
  await a.fill('#from', monthAgo);
  await a.fill('#to', today);
  await a.click('button:has-text("先看看会改动什么")');
  await a.waitForSelector('p.note[role=status]');
  await audit(a, 'rules'); await shot(a, 'rules');
  if (await a.locator('#reason').count() === 1) {
    await a.fill('#reason', '按新规补算');
    await a.click('button:has-text("确认重算")');
    await a.waitForURL('**/rules');
  }
  // 4c. A campaign registered as a category of its own.
  await a.click('a:has-text("所有服务类别")');
  await a.waitForURL('**/categories');
  await a.fill('#label_zh', '送戏下乡');
  await a.fill('#label_en', 'Opera in the villages');
  await a.fill('#code', 'opera_tour');
  await a.fill('#rate', '12');
  await a.click('button:has-text("新增")');
  await a.waitForURL('**/categories');
  check(await a.locator('[role=alert]').count() === 0, 'registering a category was refused');
  check(await a.locator('strong:has-text("送戏下乡")').count() === 1, 'the registered category is not listed');
  await audit(a, 'categories'); await shot(a, 'categories');
  // 4d. The star scale and the public notice: confirm the first star waiting.
  await a.goto(BASE + '/stars');
  await audit(a, 'stars'); await shot(a, 'stars');
  const waiting = await a.locator('button:has-text("认定")').count();
  check(waiting > 0, 'the demo city has no star on public notice');
  if (waiting > 0) {
    const form = a.locator('form[action$="/confirm"]').first();
    const action = await form.getAttribute('action');
    await form.locator('button').click();
    await a.waitForURL('**/stars');
    check(await a.locator(`form[action="${action}"]`).count() === 0, 'confirming did not take the star off the notice');
  }
  // 4e. The policy page: the late entry in the queue, approved on the sign-in sheet; the
  // hold time shortened, with its reason in the history.
  await a.goto(BASE + '/policies');
  check(await a.locator('strong:has-text("补登：重阳敬老宣讲")').count() === 1, 'the late entry is not in the approval queue');
  await audit(a, 'policies'); await shot(a, 'policies');
  const approve = a.locator('form[action$="/approve"]').first();
  await approve.locator('input[name=note]').fill('签到表已核');
  await approve.locator('button').click();
  await a.waitForURL('**/policies');
  check(await a.locator('strong:has-text("补登：重阳敬老宣讲")').count() === 0, 'approving did not take the entry off the queue');
  await a.fill('#hold_days', '10');
  await a.fill('#hold_note', '节日期间缩短保留期');
  await a.click('button:has-text("改保留期")');
  await a.waitForURL('**/policies');
  check(await a.locator('text=节日期间缩短保留期').count() === 1, 'the new hold time is not in the history');
  // 4e''. The money side: coverage, the value redeemed each month, the settlements.
  await a.goto(BASE + '/money');
  check(await a.locator('svg').count() > 0, 'the money page has no chart');
  await audit(a, 'money'); await shot(a, 'money');
  // 4e-onboard. The upload page, and the check of the template as uploaded.
  await a.goto(BASE + '/onboard');
  await audit(a, 'onboard');
  const template = await a.request.get(BASE + '/onboard/template.xlsx');
  check(template.ok(), 'the roster template does not download');
  await a.setInputFiles('#file', { name: 'roster-template.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await template.body() });
  await a.click('button:has-text("检查")');
  await a.waitForSelector('text=这次只是检查');
  await audit(a, 'onboard-checked'); await shot(a, 'onboard-checked');
  // 4e-privacy. The privacy notice, published by the administrator, open to anyone.
  await a.goto(BASE + '/privacy');
  await a.fill('#text_zh', '我们只为记录志愿服务和积分使用您的姓名、出生年份和手机号后四位。\n您可以随时要求注销。');
  await a.click('button:has-text("发布")');
  await a.waitForURL('**/privacy');
  check(await a.locator('text=您可以随时要求注销').count() > 0, 'the published notice is not shown');
  await audit(a, 'privacy'); await shot(a, 'privacy');
  // 4e'. Every token and card, for the administrator.
  await a.goto(BASE + '/tokens');
  check(await a.locator('form[action$="/revoke"]').count() > 0, 'no token to stop on /tokens');
  await audit(a, 'tokens'); await shot(a, 'tokens');
  await admin.close();
  // 4f. The group's coordinator: the member teams, and a joint activity of two of them.
  const grouping = await browser.newContext(staff);
  const g = await grouping.newPage();
  await g.goto(BASE + '/');
  await g.fill('#token', env('GROUP_TOKEN'));
  await g.click('button:has-text("登录")');
  await g.waitForURL('**/group');
  await audit(g, 'group'); await shot(g, 'group');
  await g.click('a:has-text("登记一次联合活动")');
  await g.waitForURL('**/group/activities/new');
  const teamsBoxes = g.locator('.choice input[name=teams]');
  check(await teamsBoxes.count() >= 2, 'the group has fewer than two member teams');
  await teamsBoxes.nth(0).check();
  await teamsBoxes.nth(1).check();
  await g.click('button:has-text("列出这些队伍的队员")');
  await g.waitForSelector('text=联合活动');
  await g.fill('#title', '协作体联合文旅志愿服务');
  await g.locator('fieldset h2 + .pick input[type=checkbox]').first().check();
  await g.locator('fieldset h2').nth(1).locator('xpath=following-sibling::div[contains(@class,"pick")][1]//input[@type="checkbox"]').check();
  await audit(g, 'group-joint');
  await g.click('button:has-text("登记")');
  await g.waitForSelector('text=已为 2 位志愿者登记');
  await grouping.close();
  // 4g. The station clerk: the counter and nothing of the administrator's.
  const clerking = await browser.newContext(staff);
  const k = await clerking.newPage();
  await k.goto(BASE + '/');
  await k.fill('#token', env('CLERK_TOKEN'));
  await k.click('button:has-text("登录")');
  await k.waitForURL('**/counter');
  check(await k.locator('a[href="/rules"]').count() === 0, 'the clerk sees the administrator\'s links');
  await audit(k, 'clerk-counter');
  // 4h. The assisted counter: the volunteer's card is scanned (the scanner types its link),
  // the balance shows in large type, the clerk redeems with the card as confirmation, hands
  // the reward over, and prints the receipt.
  await k.fill('#card', BASE + env('CARD_PATH'));
  await k.click('form[action="/counter/lookup"] button');
  await k.waitForSelector('.counter-balance');
  const shown = await k.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.counter-balance strong')).fontSize));
  check(shown >= 40, `the balance at the counter is ${shown}px, not large type`);
  await audit(k, 'counter-found'); await shot(k, 'counter-found');
  if (await k.locator('button:has-text("本人同意，兑换")').count() > 0) {
    await k.selectOption('select[name="reward_id"]', { index: 1 });
    await k.click('button:has-text("本人同意，兑换")');
    await k.waitForSelector('text=兑换好了');
    await audit(k, 'counter-redeemed'); await shot(k, 'counter-redeemed');
    await k.click('button:has-text("现在交给本人")');
    await k.waitForURL('**/counter/receipts/*');
    check(await k.locator('text=已交给本人').count() > 0, 'the receipt does not say it was handed over');
    const receiptUrl = k.url().split('?')[0];
    // Each paper: printed, the receipt fits the paper's width, in type large enough to read.
    for (const [paper, widthMm] of [['58', 58], ['80', 80], ['a5', 148]]) {
      await k.goto(`${receiptUrl}?paper=${paper}`);
      if (paper === 'a5') await audit(k, 'receipt');
      await k.emulateMedia({ media: 'print' });
      const m = await k.evaluate(() => {
        const r = document.querySelector('.receipt');
        const box = r.getBoundingClientRect();
        const texts = [...r.querySelectorAll('dd, dt, p')].map((e) => parseFloat(getComputedStyle(e).fontSize));
        return { width: box.width, scroll: r.scrollWidth, client: r.clientWidth, smallest: Math.min(...texts),
                 hiddenBar: getComputedStyle(document.querySelector('header.bar')).display === 'none' };
      });
      const paperPx = widthMm * 96 / 25.4;
      check(m.width <= paperPx, `the ${paper} receipt is ${m.width}px wide, wider than ${paperPx.toFixed(0)}px of paper`);
      check(m.scroll <= m.client + 1, `the ${paper} receipt's text runs past its edge`);
      check(m.smallest >= 15, `the ${paper} receipt prints text at ${m.smallest}px`);
      check(m.hiddenBar, `the ${paper} receipt prints the page's navigation`);
      const pdf = (await k.pdf({ preferCSSPageSize: true, printBackground: true })).toString('latin1');
      const box = pdf.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)/);
      const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) || []).length;
      if (box) check(Math.abs(Number(box[1]) - widthMm * 72 / 25.4) < 2, `the ${paper} receipt prints on ${box[1]}pt paper`);
      check(pages <= 1, `the ${paper} receipt prints on ${pages} pages`);
      report.pages.push({ name: `receipt-${paper}`, mediaBox: box ? [box[1], box[2]] : null, pages, ...m });
      await k.emulateMedia({ media: 'screen' });
      await shot(k, `receipt-${paper}`);
    }
    // Closing the counter: the day's list, with the hand-over just made.
    await k.goto(BASE + '/counter/today');
    check(await k.locator('h2', { hasText: /已交货：[1-9][0-9]* 笔/ }).count() > 0, 'the day\'s list does not count the hand-over');
    await audit(k, 'counter-today'); await shot(k, 'counter-today');
  } else {
    failures.push('the volunteer found at the counter has nothing within reach at this station');
  }
  await clerking.close();
  // 4i. The district coordinator: every team of 南浔区, and an activity logged for one.
  const districting = await browser.newContext(staff);
  const dc = await districting.newPage();
  await dc.goto(BASE + '/');
  await dc.fill('#token', env('DISTRICT_TOKEN'));
  await dc.click('button:has-text("登录")');
  await dc.waitForURL('**/district');
  await audit(dc, 'district'); await shot(dc, 'district');
  await dc.locator('a[href^="/district/activities/new?team="]').first().click();
  await dc.waitForURL('**/district/activities/new*');
  await dc.fill('#title', '区级政策宣讲');
  await dc.locator('.pick input[type=checkbox]').first().check();
  await audit(dc, 'district-log');
  await dc.click('button:has-text("登记")');
  await dc.waitForSelector('text=已为 1 位志愿者登记');
  await districting.close();
  // 4j. The bank officer: the bank's rate vouchers, read-only.
  const banking = await browser.newContext(staff);
  const b = await banking.newPage();
  await b.goto(BASE + '/');
  await b.fill('#token', env('BANK_TOKEN'));
  await b.click('button:has-text("登录")');
  await b.waitForURL('**/bank');
  check(await b.locator('h2:has-text("湖州银行")').count() === 1, 'the bank page does not name the bank');
  await audit(b, 'bank'); await shot(b, 'bank');
  // The officer checks the volunteer's voucher and takes it for a deposit.
  await b.fill('#code', env('VOUCHER_CODE'));
  await b.click('button:has-text("核验")');
  await b.waitForSelector('text=有效，可以使用');
  await audit(b, 'bank-check'); await shot(b, 'bank-check');
  await b.fill('#amount_yuan', '50000');
  await b.click('button:has-text("下一步：核对金额")');
  await b.waitForSelector('text=即 5 万元');
  await audit(b, 'bank-confirm'); await shot(b, 'bank-confirm');
  await b.click('button:has-text("确认使用")');
  await b.waitForURL('**/bank?done=used');
  check(await b.locator('text=这张券已记为使用').count() === 1, 'the bank page does not say the voucher was taken');
  await b.fill('#code', env('VOUCHER_CODE'));
  await b.click('button:has-text("核验")');
  await b.waitForSelector('text=已经用过');
  await banking.close();
  const auditor = await browser.newContext(staff);
  const r = await auditor.newPage();
  await r.goto(BASE + '/');
  await r.fill('#token', env('AUDITOR_TOKEN'));
  await r.click('button:has-text("登录")');
  await r.waitForURL('**/audit');
  await audit(r, 'audit'); await shot(r, 'audit');
  await r.click('button:has-text("核验整条记录链")');
  await r.waitForSelector('text=核验无误');
  await shot(r, 'verify');
  // The access log: the station keeper and the coordinator opened volunteers' records today.
  await r.goto(BASE + '/audit/access');
  await audit(r, 'access-log');
  await auditor.close();
} catch (e) {
  failures.push(`script error: ${e && e.stack || e}`);
} finally {
  await browser.close();
}
report.failures = failures;
report.axe = axeFindings;
console.log(JSON.stringify(report, null, 1));
process.exit(failures.length + axeFindings.length > 0 ? 1 : 0);
