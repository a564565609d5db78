import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { callerScope } from '../auth/policy.ts';
import type { Role } from '../config/index.ts';
import { RoleEnum } from './audit.ts';
import { builder } from './builder.ts';

/**
 * `me` (SPEC §14): who the caller is and what it may do on each endpoint it can see, so a user
 * or a frontend can check a policy without trying mutations.
 */

interface Grant {
  readonly endpoint: string;
  readonly role: Role;
}

interface Me {
  readonly name: string;
  readonly role: Role;
  readonly grants: readonly Grant[];
}

const GrantRef = builder.objectRef<Grant>('EndpointGrant').implement({
  description: "The caller's role on one endpoint it can see",
  fields: (t) => ({
    endpoint: t.exposeString('endpoint'),
    role: t.field({
      type: RoleEnum,
      description: 'OPERATOR: may see and change it; VIEWER: may see it only',
      resolve: (g) => g.role,
    }),
  }),
});

const MeRef = builder.objectRef<Me>('Me').implement({
  description: 'The caller, and its role on every endpoint it can see',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name the audit trail shows' }),
    role: t.field({
      type: RoleEnum,
      description: 'The role its token or JWT carries',
      resolve: (me) => me.role,
    }),
    grants: t.field({
      type: [GrantRef],
      description:
        'One entry per configured endpoint it can see, in configuration order; an endpoint left out is invisible to it',
      resolve: (me) => me.grants,
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: MeRef,
    description: 'Who is calling, and what it may do on which endpoint',
    resolve: (_root, _args, ctx) => {
      const caller = callerOf(ctx) ?? ANONYMOUS_OPERATOR;
      const scope = callerScope(ctx);
      const grants: Grant[] = [];
      for (const endpoint of ctx.endpoints.all) {
        const role = scope.roleOn(endpoint.name);
        if (role !== undefined) grants.push({ endpoint: endpoint.name, role });
      }
      return { name: caller.name, role: caller.role, grants };
    },
  }),
);
