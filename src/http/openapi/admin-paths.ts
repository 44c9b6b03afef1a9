/** @module OpenAPI paths of the admin API (/api/session, /api/stores, /api/credentials, /api/accounts). */
import {
  errors,
  json,
  type ParameterObject,
  type PathsObject,
  ref,
  storeIdParameter,
} from './openapi-types.js'

const TAGS = {
  session: ['Session'],
  stores: ['Stores'],
  credentials: ['Credentials'],
  accounts: ['Accounts'],
}

const credentialKey: ParameterObject = {
  name: 'key',
  in: 'path',
  required: true,
  description: 'The credential key (the HTTP Basic username of xAPI clients).',
  schema: { type: 'string' },
}
const username: ParameterObject = {
  name: 'username',
  in: 'path',
  required: true,
  schema: { type: 'string' },
}

/** Schemas of the admin API bodies (core/admin/admin.ts views, admin-routes.ts zod bodies). */
export const adminSchemas = {
  Store: {
    type: 'object',
    required: ['id', 'name', 'createdAt'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  StoreInput: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string' } },
  },
  Credential: {
    type: 'object',
    description: 'A credential as listed: everything but its secret, which is never shown again.',
    required: [
      'key',
      'storeId',
      'name',
      'scopes',
      'enabled',
      'createdAt',
      'lastUsedAt',
      'rateLimitPerMinute',
      'maxBodyBytes',
    ],
    properties: {
      key: { type: 'string' },
      storeId: { type: 'integer' },
      name: { type: 'string' },
      scopes: {
        type: 'array',
        items: { type: 'string' },
        description: 'xAPI scopes (Communication §4.2).',
      },
      enabled: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
      lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
      rateLimitPerMinute: { type: ['integer', 'null'], description: "null: the server's default" },
      maxBodyBytes: { type: ['integer', 'null'], description: "null: the server's limit" },
    },
  },
  IssuedCredential: {
    type: 'object',
    description:
      'A credential just created or rotated, with its secret: the only time the secret is shown.',
    required: ['credential', 'secret'],
    properties: { credential: ref('Credential'), secret: { type: 'string' } },
  },
  NewCredential: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string' },
      scopes: {
        type: 'array',
        items: { type: 'string' },
        description: 'Default: statements/write and statements/read/mine.',
      },
      rateLimitPerMinute: { type: 'integer', minimum: 1 },
      maxBodyBytes: { type: 'integer', minimum: 1 },
    },
  },
  CredentialChanges: {
    type: 'object',
    additionalProperties: false,
    description: 'Absent members stay; null limits go back to the default.',
    properties: {
      name: { type: 'string' },
      scopes: { type: 'array', items: { type: 'string' } },
      enabled: { type: 'boolean' },
      rateLimitPerMinute: { type: ['integer', 'null'], minimum: 1 },
      maxBodyBytes: { type: ['integer', 'null'], minimum: 1 },
    },
  },
  Account: {
    type: 'object',
    required: ['username', 'createdAt', 'lastLoginAt'],
    properties: {
      username: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      lastLoginAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  AccountInput: {
    type: 'object',
    additionalProperties: false,
    required: ['username', 'password'],
    properties: { username: { type: 'string' }, password: { type: 'string', minLength: 12 } },
  },
  Session: {
    type: 'object',
    required: ['username', 'expiresAt'],
    properties: {
      username: { type: 'string' },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
  IssuedSession: {
    type: 'object',
    description: 'The bearer token is shown once and stored only hashed.',
    required: ['username', 'expiresAt', 'token'],
    properties: {
      username: { type: 'string' },
      expiresAt: { type: 'string', format: 'date-time' },
      token: { type: 'string' },
    },
  },
} as const

export const paths: PathsObject = {
  '/api/session': {
    post: {
      operationId: 'signIn',
      summary: 'Sign in with an admin account',
      description:
        'Answers a bearer token for the other admin endpoints. Repeated failures per username and address are throttled (429 with Retry-After).',
      tags: TAGS.session,
      security: [],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string' }, password: { type: 'string' } },
        }),
      },
      responses: {
        '201': { description: 'Signed in.', content: json(ref('IssuedSession')) },
        ...errors(400, 401, 413, 429),
      },
    },
    get: {
      operationId: 'getSession',
      summary: 'The session of the bearer token',
      tags: TAGS.session,
      responses: {
        '200': { description: 'The session.', content: json(ref('Session')) },
        ...errors(401),
      },
    },
    delete: {
      operationId: 'signOut',
      summary: 'End the session of the bearer token',
      tags: TAGS.session,
      responses: { '204': { description: 'Signed out.' }, ...errors(401) },
    },
  },
  '/api/stores': {
    get: {
      operationId: 'listStores',
      summary: 'List the stores (tenants)',
      tags: TAGS.stores,
      responses: {
        '200': {
          description: 'Every store.',
          content: json({
            type: 'object',
            required: ['stores'],
            properties: { stores: { type: 'array', items: ref('Store') } },
          }),
        },
        ...errors(401),
      },
    },
    post: {
      operationId: 'createStore',
      summary: 'Create a store',
      tags: TAGS.stores,
      requestBody: { required: true, content: json(ref('StoreInput')) },
      responses: {
        '201': { description: 'Created.', content: json(ref('Store')) },
        ...errors(400, 401, 413),
      },
    },
  },
  '/api/stores/{id}': {
    parameters: [storeIdParameter],
    get: {
      operationId: 'getStore',
      summary: 'One store',
      tags: TAGS.stores,
      responses: {
        '200': { description: 'The store.', content: json(ref('Store')) },
        ...errors(401, 404),
      },
    },
    patch: {
      operationId: 'updateStore',
      summary: 'Rename a store',
      tags: TAGS.stores,
      requestBody: { required: true, content: json(ref('StoreInput')) },
      responses: {
        '200': { description: 'The store as changed.', content: json(ref('Store')) },
        ...errors(400, 401, 404, 413),
      },
    },
  },
  '/api/stores/{id}/credentials': {
    parameters: [storeIdParameter],
    get: {
      operationId: 'listCredentials',
      summary: "List a store's xAPI credentials (without secrets)",
      tags: TAGS.credentials,
      responses: {
        '200': {
          description: 'The credentials of the store.',
          content: json({
            type: 'object',
            required: ['credentials'],
            properties: { credentials: { type: 'array', items: ref('Credential') } },
          }),
        },
        ...errors(401, 404),
      },
    },
    post: {
      operationId: 'createCredential',
      summary: 'Create an xAPI credential in a store',
      description: 'The answer holds the secret; it is never shown again.',
      tags: TAGS.credentials,
      requestBody: { required: true, content: json(ref('NewCredential')) },
      responses: {
        '201': { description: 'Created.', content: json(ref('IssuedCredential')) },
        ...errors(400, 401, 404, 413),
      },
    },
  },
  '/api/credentials/{key}': {
    parameters: [credentialKey],
    get: {
      operationId: 'getCredential',
      summary: 'One credential (without its secret)',
      tags: TAGS.credentials,
      responses: {
        '200': { description: 'The credential.', content: json(ref('Credential')) },
        ...errors(401, 404),
      },
    },
    patch: {
      operationId: 'updateCredential',
      summary: 'Change, enable or disable a credential',
      tags: TAGS.credentials,
      requestBody: { required: true, content: json(ref('CredentialChanges')) },
      responses: {
        '200': { description: 'The credential as changed.', content: json(ref('Credential')) },
        ...errors(400, 401, 404, 413),
      },
    },
  },
  '/api/credentials/{key}/rotate': {
    parameters: [credentialKey],
    post: {
      operationId: 'rotateCredential',
      summary: 'Replace the secret of a credential',
      description: 'The old secret stops working at once; the answer holds the new one.',
      tags: TAGS.credentials,
      responses: {
        '200': { description: 'Rotated.', content: json(ref('IssuedCredential')) },
        ...errors(401, 404),
      },
    },
  },
  '/api/accounts': {
    get: {
      operationId: 'listAccounts',
      summary: 'List the admin accounts',
      tags: TAGS.accounts,
      responses: {
        '200': {
          description: 'Every admin account.',
          content: json({
            type: 'object',
            required: ['accounts'],
            properties: { accounts: { type: 'array', items: ref('Account') } },
          }),
        },
        ...errors(401),
      },
    },
    post: {
      operationId: 'createAccount',
      summary: 'Create an admin account',
      tags: TAGS.accounts,
      requestBody: { required: true, content: json(ref('AccountInput')) },
      responses: {
        '201': { description: 'Created.', content: json(ref('Account')) },
        ...errors(400, 401, 409, 413),
      },
    },
  },
  '/api/accounts/{username}/password': {
    parameters: [username],
    put: {
      operationId: 'changePassword',
      summary: "Set an admin account's password",
      description: 'Ends every session of the account.',
      tags: TAGS.accounts,
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', minLength: 12 } },
        }),
      },
      responses: { '204': { description: 'Changed.' }, ...errors(400, 401, 404, 413) },
    },
  },
  '/api/accounts/{username}': {
    parameters: [username],
    delete: {
      operationId: 'deleteAccount',
      summary: 'Delete an admin account',
      description: 'The last admin account cannot be deleted (409).',
      tags: TAGS.accounts,
      responses: { '204': { description: 'Deleted.' }, ...errors(401, 404, 409) },
    },
  },
}
