/**
 * Per-operation types for web/api.js, read from the generated `paths` (web/api-types.d.ts).
 * A path here is the OpenAPI template without the /api/v1 prefix, e.g. `/proposals/{id}`.
 */
import type { paths } from './api-types';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type ApiPath = { [K in keyof paths]: K extends `/api/v1${infer P}` ? P : never }[keyof paths];
type PathItem<P extends ApiPath> = paths[`/api/v1${P}`];

/** The methods a path answers. */
export type Method<P extends ApiPath> = { [M in HttpMethod]-?: [NonNullable<PathItem<P>[M]>] extends [never] ? never : M }[HttpMethod];
/** Unconstrained in M so a union of paths can be named; `request` constrains M to Method<P>. */
export type Operation<P extends ApiPath, M extends HttpMethod> = NonNullable<PathItem<P>[M]>;

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : null;
type OkOf<R> = { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JsonOf<R[S]> : never }[keyof R];

/** The JSON body of an operation's success responses (null for one without a body); per path when P is a union. */
export type Ok<P extends ApiPath, M extends HttpMethod = 'get'> = P extends ApiPath ? OkOf<Operation<P, M>['responses']> : never;
export type Body<P extends ApiPath, M extends HttpMethod> = JsonOf<NonNullable<Operation<P, M>['requestBody']>>;
export type Query<P extends ApiPath, M extends HttpMethod> = NonNullable<Operation<P, M>['parameters']['query']>;
export type PathParams<P extends ApiPath, M extends HttpMethod> = NonNullable<Operation<P, M>['parameters']['path']>;

/** The paths answering GET with a cursor page `{ data, nextCursor }`. */
export type ListPath = {
  [P in ApiPath]: 'get' extends Method<P> ? (Ok<P> extends { data: unknown[]; nextCursor?: unknown } ? P : never) : never;
}[ApiPath];
/** One item of a list path's pages. */
export type Item<P extends ListPath> = Ok<P> extends { data: (infer I)[] } ? I : never;
