const semver = require(process.env.NODE_SEMVER || "/usr/lib/node_modules/npm/node_modules/semver");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
let dropped = 0;
for (const l of lines) {
  const [a, b] = l.split("\t");
  if (!semver.valid(a, { loose: false }) && !semver.valid(a, {loose: true}) || !semver.valid(b, {loose: true})) { dropped++; continue; }
  // strict parse except for the leading v/= that node-semver itself strips
  if (!semver.valid(a) || !semver.valid(b)) { dropped++; continue; }
  const c = semver.compare(a, b);
  console.log(`${a}\t${b}\t${c < 0 ? "<" : c > 0 ? ">" : "="}`);
}
console.error("dropped (not valid semver):", dropped, "semver", require((process.env.NODE_SEMVER || "/usr/lib/node_modules/npm/node_modules/semver") + "/package.json").version);
