// ConfigMap (v1) and Namespace (v1): the built-in kinds the App and LimaVM need.
import { Type, type Static } from '@sinclair/typebox';
import type { Resource } from '../meta.js';
import { StringMap } from './common.js';

export const CONFIGMAP_KIND = 'ConfigMap';
export const NAMESPACE_KIND = 'Namespace';
export const CORE_API_VERSION = 'v1';
/** The data key that holds a Lima template. */
export const TEMPLATE_KEY = 'template';

export const ConfigMapDataSchema = StringMap;
export type ConfigMap = Resource<never, never> & { data?: Static<typeof StringMap> };

export const NamespaceStatusSchema = Type.Object({
  phase: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Terminating')])),
});
export type Namespace = Resource<Record<string, never>, Static<typeof NamespaceStatusSchema>>;
