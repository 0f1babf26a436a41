import QRCode from 'qrcode';

/** The portal's addresses: a campaign's page, for links and the QR code on the shop counter, and the general one. */
export const campaignPath = (id: string) => `/campaigns/${encodeURIComponent(id)}`;
export const SUBMIT_PATH = '/submit';

export function campaignUrl(settings: { publicUrl: string }, id: string): string {
  return `${settings.publicUrl.replace(/\/+$/, '')}${campaignPath(id)}`;
}

/** A QR code of an address, as SVG: printable at any size. */
export function campaignQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
