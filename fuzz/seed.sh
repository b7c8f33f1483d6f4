#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, git-ignored) from the shared corpus of
# real templates and from the repository's own test data.
#
#   fuzz/seed.sh [SHARED_CORPUS]      default: ../shared/corpus (beside the repository)
set -euo pipefail
cd "$(dirname "$0")"
src=${1:-../../shared/corpus}
[ -d "$src" ] || src=../$src
[ -d "$src" ] || { echo "no corpus at ${1:-../shared/corpus}" >&2; exit 2; }
out=corpus
mkdir -p "$out"/{cfn_yaml,cfn_json,tfplan,terraform,cdk}

# Each file under its content hash, as libFuzzer names corpus entries.
put() { # target file
  local h; h=$(sha1sum "$2" | cut -c1-40); cp "$2" "$1/$h"
}
bundle_put() { # target (bundle on stdin)
  local tmp h; tmp=$(mktemp); cat >"$tmp"
  h=$(sha1sum "$tmp" | cut -c1-40); mv "$tmp" "$1/$h"
}

find "$src/cloudformation" ../testdata -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.template' \) -size -256k -print0 |
  while IFS= read -r -d '' f; do put "$out/cfn_yaml" "$f"; done
find "$src/cloudformation" ../testdata -type f -name '*.json' -size -256k -print0 |
  while IFS= read -r -d '' f; do
    if grep -q '"resource_changes"\|"planned_values"' "$f"; then put "$out/tfplan" "$f"; else put "$out/cfn_json" "$f"; fi
  done

# Terraform: every .tf file alone (as main.tf), and every directory of .tf files together
# with the module its examples call (`source = "../.."`): paths relative to the repository.
find "$src/terraform" ../testdata -type f -name '*.tf' -size -128k -print0 |
  while IFS= read -r -d '' f; do put "$out/terraform" "$f"; done
for repo in "$src"/terraform/*/; do
  (cd "$repo" && find . -name '*.tf' -printf '%h\n' | sort -u) | while read -r dir; do
    dir=${dir#./}
    [ "$dir" = . ] && continue
    [ "$(tr -cd / <<<"$dir" | wc -c)" -le 2 ] || continue
    {
      for f in "$repo"/*.tf "$repo/$dir"/*.tf; do
        [ -f "$f" ] || continue
        printf '==> %s <==\n' "${f#"$repo"/}"; cat "$f"; echo
      done
    } | bundle_put "$out/terraform"
  done
done

# CDK: each assembly as manifest.json, its templates and (when small) tree.json.
find "$src/cdk" ../testdata -name manifest.json -print0 |
  while IFS= read -r -d '' m; do
    d=$(dirname "$m")
    {
      cat "$m"; echo
      for f in "$d"/*.template.json "$d"/tree.json; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 65536 ] || continue
        printf '==> %s <==\n' "$(basename "$f")"; cat "$f"; echo
      done
    } | bundle_put "$out/cdk"
  done

for t in "$out"/*/; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds, $(du -sh "$t" | cut -f1)"; done
