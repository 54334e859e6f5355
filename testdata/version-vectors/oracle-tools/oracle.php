<?php
$in = fopen("php://stdin", "r");
$dropped = 0;
while (($line = fgets($in)) !== false) {
  $line = rtrim($line, "\n");
  [$a, $b] = explode("\t", $line, 2);
  $sa = preg_replace('/^v/', '', $a); $sa = preg_replace('/^V/', '', $sa);
  $sb = preg_replace('/^v/', '', $b); $sb = preg_replace('/^V/', '', $sb);
  $f = version_compare($sa, $sb); $r = version_compare($sb, $sa);
  if ($f != -$r) { $dropped++; continue; }
  echo "$a\t$b\t" . ($f < 0 ? "<" : ($f > 0 ? ">" : "=")) . "\n";
}
fwrite(STDERR, "dropped (PHP not antisymmetric): $dropped\n");
