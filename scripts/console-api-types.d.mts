export function consoleApiTypes(document: object): Promise<string>;
