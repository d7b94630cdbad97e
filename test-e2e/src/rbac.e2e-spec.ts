// RBAC through kubectl: a user with no rights is refused in kube's words, is allowed within two
// seconds of a RoleBinding, and `kubectl auth can-i` answers from the same rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from '@kapi/authorization';
import { renderKubeconfig } from '@kapi/local-stack';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

/** A client certificate for a user, signed with the stack's CA, in a kubeconfig of its own. */
function userKubeconfig(stack: TestStack, user: string, groups: string[]): string {
  const dir = stack.handle.stateDir;
  const key = join(dir, `${user}.key`);
  const csr = join(dir, `${user}.csr`);
  const crt = join(dir, `${user}.crt`);
  const ext = join(dir, `${user}.ext`);
  const subject = `/${groups.map((g) => `O=${g}`).join('/')}${groups.length ? '/' : ''}CN=${user}`;
  execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], { stdio: 'ignore' });
  writeFileSync(ext, 'extendedKeyUsage=clientAuth\n');
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', stack.handle.pki.caCert, '-CAkey', stack.handle.pki.caKey, '-CAcreateserial', '-out', crt, '-days', '1', '-extfile', ext], { stdio: 'ignore' });
  const file = join(dir, `${user}.kubeconfig`);
  writeFileSync(
    file,
    renderKubeconfig({
      serverUrl: stack.handle.serverUrl,
      caPem: readFileSync(stack.handle.pki.caCert, 'utf8'),
      clientCertPem: readFileSync(crt, 'utf8'),
      clientKeyPem: readFileSync(key, 'utf8'),
    }),
  );
  return file;
}

describe('RBAC', () => {
  let stack: TestStack;
  let jane: string;
  const asJane = (args: string[]) => stack.kubectl(['--kubeconfig', jane, ...args]);

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 2 });
    jane = userKubeconfig(stack, 'jane', ['devs']);
    await stack.kubectl(['create', 'namespace', 'team']);
    await stack.kubectl(['-n', 'team', 'create', 'configmap', 'shared']);
  });

  after(async () => {
    await stack?.stop();
  });

  it('has the bootstrap cluster roles and bindings', async () => {
    const roles = (await stack.kubectl(['get', 'clusterroles', '-o', 'name'])).stdout;
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      assert.ok(roles.includes(`clusterrole.rbac.authorization.k8s.io/${name}\n`), name);
    }
    const bindings = (await stack.kubectl(['get', 'clusterrolebindings', '-o', 'name'])).stdout;
    assert.ok(bindings.includes('clusterrolebinding.rbac.authorization.k8s.io/cluster-admin\n'));
    // kube's whole bootstrap policy, and nothing else yet: as many objects as kube-apiserver 1.34 starts with.
    const count = (out: string) => out.split('\n').filter(Boolean).length;
    assert.equal(count(roles), bootstrapClusterRoles().length);
    assert.equal(count(bindings), bootstrapClusterRoleBindings().length);
    assert.equal(count((await stack.kubectl(['get', 'roles', '-A', '-o', 'name'])).stdout), bootstrapNamespaceRoles().length);
    assert.equal(count((await stack.kubectl(['get', 'rolebindings', '-A', '-o', 'name'])).stdout), bootstrapNamespaceRoleBindings().length);
  });

  it("lets kube's components act under their own identities as kube's bootstrap policy allows", async () => {
    // Client certificates as kubeadm issues them: the component's name as CN, no group (no system:masters).
    const scheduler = userKubeconfig(stack, 'system:kube-scheduler', []);
    const controllerManager = userKubeconfig(stack, 'system:kube-controller-manager', []);
    const canI = async (kubeconfig: string | undefined, args: string[]) =>
      (await stack.kubectl([...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), 'auth', 'can-i', ...args])).stdout.trim();
    assert.equal(await canI(scheduler, ['create', 'pods', '--subresource=binding', '-n', 'team']), 'yes');
    assert.equal(await canI(scheduler, ['update', 'pods', '--subresource=status', '-n', 'team']), 'yes');
    assert.equal(await canI(scheduler, ['list', 'nodes']), 'yes');
    assert.equal(await canI(scheduler, ['update', 'leases.coordination.k8s.io', '-n', 'kube-system']), 'yes');
    assert.equal(await canI(scheduler, ['get', 'configmaps/extension-apiserver-authentication', '-n', 'kube-system']), 'yes');
    assert.equal(await canI(scheduler, ['create', 'pods', '-n', 'team']), 'no');
    assert.equal(await canI(scheduler, ['list', 'secrets', '-n', 'team']), 'no');
    assert.equal(await canI(controllerManager, ['create', 'leases.coordination.k8s.io', '-n', 'kube-system']), 'yes');
    assert.equal(await canI(controllerManager, ['update', 'leases.coordination.k8s.io/kube-controller-manager', '-n', 'kube-system']), 'yes');
    assert.equal(await canI(controllerManager, ['create', 'serviceaccounts/token', '-n', 'kube-system']), 'yes');
    assert.equal(await canI(controllerManager, ['watch', 'deployments.apps', '-A']), 'yes');
    assert.equal(await canI(controllerManager, ['create', 'replicasets.apps', '-n', 'team']), 'no');
    // With --use-service-account-credentials each controller acts as its service account in kube-system.
    const deploymentController = ['--as', 'system:serviceaccount:kube-system:deployment-controller'];
    assert.equal(await canI(undefined, ['create', 'replicasets.apps', '-n', 'team', ...deploymentController]), 'yes');
    assert.equal(await canI(undefined, ['update', 'deployments.apps', '--subresource=status', '-n', 'team', ...deploymentController]), 'yes');
    assert.equal(await canI(undefined, ['create', 'pods', '-n', 'team', ...deploymentController]), 'no');
    // And the scheduler's own API calls are answered as allowed.
    const lease = await stack.kubectl(['--kubeconfig', scheduler, '-n', 'kube-system', 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler' }, spec: { holderIdentity: 'e2e' } }),
    });
    assert.equal(lease.stdout, 'lease.coordination.k8s.io/kube-scheduler created\n', lease.stderr);
  });

  it('refuses a user without rights in kube words, then allows them within seconds of a RoleBinding', async () => {
    const denied = await asJane(['-n', 'team', 'get', 'configmaps']);
    assert.equal(denied.stderr, 'Error from server (Forbidden): configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "team"\n');
    const bound = await stack.kubectl(['-n', 'team', 'create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane']);
    assert.equal(bound.stdout, 'rolebinding.rbac.authorization.k8s.io/jane-view created\n', bound.stderr);
    await eventually(async () => {
      const allowed = await asJane(['-n', 'team', 'get', 'configmaps', '-o', 'name']);
      assert.equal(allowed.stdout, 'configmap/shared\n', allowed.stderr);
    }, 2_000);
    // view does not allow writes, nor anything in another namespace.
    const write = await asJane(['-n', 'team', 'create', 'configmap', 'mine']);
    assert.match(write.stderr, /User "jane" cannot create resource "configmaps" in API group "" in the namespace "team"/);
    const other = await asJane(['-n', 'default', 'get', 'configmaps']);
    assert.match(other.stderr, /User "jane" cannot list resource "configmaps" in API group "" in the namespace "default"/);
  });

  it('answers kubectl auth can-i from the same rules', async () => {
    assert.equal((await asJane(['auth', 'can-i', 'list', 'configmaps', '-n', 'team'])).stdout, 'yes\n');
    const no = await asJane(['auth', 'can-i', 'delete', 'configmaps', '-n', 'team']);
    assert.equal(no.stdout, 'no\n');
    assert.notEqual(no.code, 0);
    const list = await asJane(['auth', 'can-i', '--list', '-n', 'team']);
    assert.match(list.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n/);
    assert.match(list.stdout, /\nconfigmaps\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
  });

  it('answers a review asked for as a Table with kube\'s 406, since reviews have no table form', async () => {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/', verb: 'get' } } };
    const table = await apiRequest(stack, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.code, 406, table.body);
    assert.equal(JSON.parse(table.body).reason, 'NotAcceptable');
    const json = await apiRequest(stack, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json' });
    assert.equal(json.code, 201, json.body);
    assert.equal(JSON.parse(json.body).status.allowed, true);
  });

  it('tells kubectl auth whoami who is asking, impersonated or not', async () => {
    const me = await asJane(['auth', 'whoami']);
    assert.match(me.stdout, /^ATTRIBUTE\s+VALUE\nUsername\s+jane\nGroups\s+\[devs system:authenticated\]\n$/, me.stderr);
    const as = await stack.kubectl(['auth', 'whoami', '--as', 'jane', '--as-group', 'ops', '-o', 'json']);
    assert.deepEqual(JSON.parse(as.stdout).status.userInfo, { username: 'jane', groups: ['ops', 'system:authenticated'] });
  });

  it('lets system:masters impersonate with --as, and refuses impersonation to a user without the verb', async () => {
    assert.equal((await stack.kubectl(['auth', 'can-i', 'list', 'configmaps', '-n', 'team', '--as', 'jane'])).stdout, 'yes\n');
    assert.equal((await stack.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team', '--as', 'jane'])).stdout, 'no\n');
    const refused = await asJane(['-n', 'team', 'get', 'configmaps', '--as', 'admin']);
    assert.equal(refused.stderr, 'Error from server (Forbidden): users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope\n');
  });

  it('refuses to let a user grant what they do not hold, and lets them grant what they do', async () => {
    await stack.kubectl(['-n', 'team', 'create', 'role', 'role-admin', '--verb=create,get,list,update,delete', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io']);
    await stack.kubectl(['-n', 'team', 'create', 'rolebinding', 'jane-role-admin', '--role=role-admin', '--user=jane']);
    await eventually(async () => assert.equal((await asJane(['auth', 'can-i', 'create', 'roles', '-n', 'team'])).stdout, 'yes\n'), 2_000);
    const escalate = await asJane(['-n', 'team', 'create', 'role', 'secret-reader', '--verb=get', '--resource=secrets']);
    assert.equal(
      escalate.stderr,
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "jane" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}\n',
    );
    // She holds view in team (and no escalate or bind verb): a role within what she holds is fine.
    assert.equal((await asJane(['-n', 'team', 'create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps'])).stdout, 'role.rbac.authorization.k8s.io/cm-reader created\n');
    const bindAdmin = await asJane(['-n', 'team', 'create', 'rolebinding', 'jane-admin', '--clusterrole=cluster-admin', '--user=jane']);
    assert.match(bindAdmin.stderr, /rolebindings.rbac.authorization.k8s.io "jane-admin" is forbidden: user "jane" .* is attempting to grant RBAC permissions not currently held/);
    assert.equal((await asJane(['-n', 'team', 'create', 'rolebinding', 'bob-cm', '--role=cm-reader', '--user=bob'])).stdout, 'rolebinding.rbac.authorization.k8s.io/bob-cm created\n');
  });

  it('creates roles and bindings with kubectl create', async () => {
    assert.equal(
      (await stack.kubectl(['-n', 'team', 'create', 'role', 'writer', '--verb=create,update', '--resource=configmaps'])).stdout,
      'role.rbac.authorization.k8s.io/writer created\n',
    );
    assert.equal(
      (await stack.kubectl(['create', 'clusterrole', 'reader', '--verb=get,list', '--resource=namespaces'])).stdout,
      'clusterrole.rbac.authorization.k8s.io/reader created\n',
    );
    assert.equal(
      (await stack.kubectl(['create', 'clusterrolebinding', 'devs-reader', '--clusterrole=reader', '--group=devs'])).stdout,
      'clusterrolebinding.rbac.authorization.k8s.io/devs-reader created\n',
    );
    await eventually(async () => assert.equal((await asJane(['get', 'namespace', 'team', '-o', 'name'])).stdout, 'namespace/team\n'), 2_000);
    const roleTable = await stack.kubectl(['-n', 'team', 'get', 'rolebindings']);
    assert.match(roleTable.stdout, /^NAME\s+ROLE\s+AGE\n/);
    assert.match(roleTable.stdout, /\njane-view\s+ClusterRole\/view\s+\d+s\n/);
  });
  it("reconciles the bootstrap policy at the registry's next start as kube-apiserver does: what was taken is given back, unless autoupdate is false", async () => {
    const scheduler = userKubeconfig(stack, 'system:kube-scheduler', []);
    const schedulerCan = async (args: string[]) => (await stack.kubectl(['--kubeconfig', scheduler, 'auth', 'can-i', ...args])).stdout.trim();
    const rulesOf = async (role: string) => JSON.parse((await stack.kubectl(['get', 'clusterrole', role, '-o', 'json'])).stdout).rules;
    // The scheduler's role loses its first rule (events), its binding its subject; kube-dns's role is emptied and protected.
    const events = (await rulesOf('system:kube-scheduler'))[0];
    assert.deepEqual(events.resources, ['events']);
    const patch = async (kind: string, name: string, ops: object[]) => {
      const r = await stack.kubectl(['patch', kind, name, '--type=json', '-p', JSON.stringify(ops)]);
      assert.equal(r.code, 0, r.stderr);
    };
    await patch('clusterrole', 'system:kube-scheduler', [{ op: 'remove', path: '/rules/0' }]);
    await patch('clusterrolebinding', 'system:volume-scheduler', [{ op: 'replace', path: '/subjects', value: [] }]);
    await patch('clusterrole', 'system:kube-dns', [
      { op: 'replace', path: '/rules', value: [] },
      { op: 'replace', path: '/metadata/annotations/rbac.authorization.kubernetes.io~1autoupdate', value: 'false' },
    ]);
    await eventually(async () => assert.equal(await schedulerCan(['create', 'events', '-n', 'team']), 'no'), 2_000);
    assert.equal(await schedulerCan(['update', 'persistentvolumes']), 'no');

    await stack.handle.restartInstance('registry-0');
    await eventually(async () => {
      assert.equal(await schedulerCan(['create', 'events', '-n', 'team']), 'yes');
      assert.equal(await schedulerCan(['update', 'persistentvolumes']), 'yes');
    }, 60_000);
    assert.deepEqual(await rulesOf('system:kube-dns'), []);
  });
});
