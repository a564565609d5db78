import { GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import type { DocumentCheck, TrustedDocuments } from '../config/persisted-documents.ts';

/** The `extensions.code` of a document refused by PLUGIN_GRAPH_TRUSTED_ONLY. */
export const PERSISTED_QUERY_ONLY = 'PERSISTED_QUERY_ONLY';

/**
 * PLUGIN_GRAPH_TRUSTED_ONLY: only the manifest's documents run. Checked on the text about to be
 * parsed, in Yoga's envelop, so on every transport: over HTTP that is the text a `documentId` or
 * hash named (http/persisted-documents.ts put it there), over WebSocket the `query` sent. A text
 * the manifest does not hold is refused before it is parsed: no exemption for GraphiQL,
 * introspection or a gateway's `_service` query, in demo mode either (the manifest can hold them).
 */
export function useTrustedOnly(documents: TrustedDocuments): YogaPlugin {
  return {
    onParse({ params }) {
      const text = typeof params.source === 'string' ? params.source : params.source.body;
      if (documents.texts.has(text)) return;
      throw createGraphQLError(
        'Only persisted documents run here: send the documentId (or hash) of a document of the manifest',
        // A request error, as Yoga answers an invalid document: 400 unless the client accepts
        // only application/json (GraphQL over HTTP).
        { extensions: { code: PERSISTED_QUERY_ONLY, http: { spec: true, status: 400 } } },
      );
    },
  };
}

/**
 * The start-up check of each manifest document (config/persisted-documents.ts): it parses and
 * validates against `schemaOf()`, built on the first document checked (none when unset).
 */
export function documentCheck(schemaOf: () => GraphQLSchema): DocumentCheck {
  let schema: GraphQLSchema | undefined;
  return (text) => {
    schema ??= schemaOf();
    try {
      const errors = validate(schema, parse(text));
      return errors.length === 0 ? undefined : errors.map((e) => e.message).join('; ');
    } catch (err) {
      if (err instanceof GraphQLError) return err.message;
      throw err;
    }
  };
}
