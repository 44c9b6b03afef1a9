/** @module The words the simulator builds names, titles and texts from (all fictitious). */

/** A comma-separated list (keeps long word lists compact). */
function list(text: string): readonly string[] {
  return text.split(', ')
}

/** Fictitious organisations (the `.example` domains are reserved, RFC 2606). */
export const ORGANISATIONS: readonly { name: string; domain: string }[] = [
  { name: 'Northwind Traders', domain: 'northwind.example' },
  { name: 'Contoso Health', domain: 'contoso.example' },
  { name: 'Fabrikam Logistics', domain: 'fabrikam.example' },
  { name: 'Tailspin Aviation', domain: 'tailspin.example' },
  { name: 'Woodgrove Bank', domain: 'woodgrove.example' },
  { name: 'Adatum Energy', domain: 'adatum.example' },
  { name: 'Litware Software', domain: 'litware.example' },
  { name: 'Proseware Retail', domain: 'proseware.example' },
]

export const FIRST_NAMES: readonly string[] = list(
  'Ada, Alan, Amara, Ana, Arjun, Beatriz, Ben, Chen, Chloe, Daniel, Dmitri, Elena, Emeka, ' +
    'Emma, Fatima, Felix, Grace, Hana, Hugo, Ines, Ivan, Jamal, Jin, Julia, Kai, Kenji, Lars, ' +
    'Layla, Leila, Liam, Lucia, Mara, Mateo, Maya, Mei, Mohammed, Nadia, Noah, Nora, Omar, ' +
    'Olga, Paolo, Priya, Rafael, Rosa, Sam, Sara, Sofia, Tariq, Thomas, Uma, Vera, Wei, Yara, ' +
    'Yusuf, Zoe',
)

export const LAST_NAMES: readonly string[] = list(
  'Adeyemi, Andersen, Bauer, Bianchi, Costa, Dubois, Eriksson, Fernandes, Garcia, Haddad, ' +
    'Hansen, Ito, Jansen, Kaur, Kim, Kowalski, Larsen, Lee, Lopez, Mensah, Moreau, Müller, ' +
    'Nakamura, Nguyen, Novak, Okafor, Olsen, Patel, Petrov, Quinn, Rossi, Santos, Schmidt, ' +
    'Silva, Singh, Sato, Tanaka, Wang, Weber, Yilmaz, Zhang, Zielinski',
)

export const DEPARTMENTS: readonly string[] = list(
  'Sales, Operations, Finance, Engineering, Customer Support, Human Resources, Marketing, ' +
    'Legal, Logistics, Research',
)

/** Course topics with a few concepts each (for question and forum texts). */
export const TOPICS: readonly { title: string; concepts: readonly string[] }[] = [
  { title: 'Workplace Safety', concepts: ['hazard', 'risk assessment', 'PPE', 'near miss'] },
  {
    title: 'Data Privacy Essentials',
    concepts: ['personal data', 'consent', 'retention', 'breach'],
  },
  { title: 'Cybersecurity Awareness', concepts: ['phishing', 'password', 'MFA', 'encryption'] },
  { title: 'Leadership Foundations', concepts: ['delegation', 'vision', 'feedback', 'trust'] },
  { title: 'Customer Service Excellence', concepts: ['empathy', 'escalation', 'SLA', 'follow-up'] },
  {
    title: 'Project Management Basics',
    concepts: ['scope', 'milestone', 'stakeholder', 'risk log'],
  },
  {
    title: 'Effective Communication',
    concepts: ['active listening', 'clarity', 'tone', 'audience'],
  },
  { title: 'Financial Literacy', concepts: ['budget', 'cash flow', 'margin', 'forecast'] },
  { title: 'Agile Practices', concepts: ['sprint', 'backlog', 'retrospective', 'user story'] },
  { title: 'Time Management', concepts: ['priority', 'deadline', 'focus time', 'batching'] },
  { title: 'Negotiation Skills', concepts: ['BATNA', 'anchor', 'concession', 'interest'] },
  { title: 'First Aid at Work', concepts: ['recovery position', 'CPR', 'bleeding', 'burns'] },
  { title: 'Sales Fundamentals', concepts: ['pipeline', 'qualification', 'objection', 'closing'] },
  { title: 'Quality Management', concepts: ['defect', 'root cause', 'audit', 'control chart'] },
  {
    title: 'Anti-Bribery Compliance',
    concepts: ['gift', 'due diligence', 'red flag', 'reporting'],
  },
  { title: 'Remote Collaboration', concepts: ['async update', 'time zone', 'document', 'meeting'] },
  { title: 'Coaching Skills', concepts: ['open question', 'goal', 'reflection', 'commitment'] },
  { title: 'Presentation Skills', concepts: ['storyline', 'slide', 'rehearsal', 'Q&A'] },
  { title: 'Spreadsheet Analysis', concepts: ['pivot table', 'formula', 'chart', 'lookup'] },
  {
    title: 'Conflict Resolution',
    concepts: ['mediation', 'position', 'de-escalation', 'agreement'],
  },
  {
    title: 'Ethics at Work',
    concepts: ['conflict of interest', 'integrity', 'whistleblowing', 'code'],
  },
  {
    title: 'Accessibility Basics',
    concepts: ['contrast', 'screen reader', 'alt text', 'captions'],
  },
  { title: 'Sustainability at Work', concepts: ['footprint', 'recycling', 'energy', 'supplier'] },
  {
    title: 'Change Management',
    concepts: ['resistance', 'sponsor', 'adoption', 'communication plan'],
  },
  { title: 'Supply Chain Basics', concepts: ['lead time', 'inventory', 'forecast', 'supplier'] },
  {
    title: 'Emotional Intelligence',
    concepts: ['self-awareness', 'empathy', 'regulation', 'motivation'],
  },
  { title: 'Design Thinking', concepts: ['persona', 'prototype', 'ideation', 'user test'] },
  { title: 'Onboarding Essentials', concepts: ['policy', 'tooling', 'buddy', 'first week'] },
]

export const MODULE_TITLES: readonly string[] = list(
  'Introduction, Key Concepts, In Practice, Case Studies, Common Pitfalls, ' +
    'Tools and Techniques, Advanced Topics, Putting It Together',
)

export const COMPETENCIES: readonly string[] = list(
  'Communication, Problem Solving, Compliance, Customer Focus, Leadership, Digital Skills, ' +
    'Safety Mindset, Collaboration, Business Acumen, Adaptability',
)

export const FORUM_OPENERS: readonly string[] = list(
  'Great point about, Has anyone applied, I struggled with, Quick question on, ' +
    'Thanks for explaining, In my team we handle, Can someone clarify, ' +
    'I found a good resource on',
)

export const FORUM_CLOSERS: readonly string[] = list(
  'in real projects?, this week., any tips?, it finally clicked for me., ' +
    'the example in module 2 helped., curious how others do it.',
)
