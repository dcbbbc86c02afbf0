// OCI image layer encryption (containers/ocicrypt's format, JWE key wrapping): see README.md.
export * from './types.ts';
export { decryptConfigFromFlags, encryptConfigFromFlags, layerCryptoFromFlags, parsePrivateKey, parsePublicKey, type CryptoFlags } from './keys.ts';
export { decryptLayer, encryptLayer, layersToEncrypt, type LayerDecryption, type LayerEncryption } from './layer.ts';
export { LayerAuthenticationError } from './cipher.ts';
