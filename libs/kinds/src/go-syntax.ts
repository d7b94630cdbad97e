// Values as Go's %#v prints them: what kube-apiserver puts in field errors whose bad value is not a
// string or a number (`[]string{"a", "b"}`, `map[string]string{"k":"v"}`).

export const goString = (s: string) => JSON.stringify(s);

/** A []string: `[]string{"a", "b"}`, `[]string(nil)` when absent. */
export function goStringSlice(values: string[] | null | undefined): string {
  return values ? `[]string{${values.map(goString).join(', ')}}` : '[]string(nil)';
}

/** A map[string]string: keys sorted, `map[string]string(nil)` when absent. */
export function goStringMap(map: Record<string, string> | null | undefined): string {
  if (!map) return 'map[string]string(nil)';
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${goString(k)}:${goString(map[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}
