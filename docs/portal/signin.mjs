// node signin.mjs: who Cartable takes the token's holder for.
import { api, signIn } from "./cartable.mjs";

const token = await signIn();
const me = await api("/api/v1/me", { token });
console.log(`${me.display_name} (${me.id}), ${me.profile}`);
for (const group of me.groups) {
  console.log(`  ${group.kind} ${group.name} (${group.id}) as ${group.profile}`);
}
